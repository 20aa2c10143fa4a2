/*
 * ssh_mem.h — private to ssh_conn.c: libssh2's allocator for one session.
 *
 * Every block libssh2 takes for a session is listed in the session's
 * struct ssh_mem, so what libssh2 still holds once libssh2_session_free()
 * returns is freed by ssh_mem_release().  libssh2 1.10 forgets some state
 * when a session is freed in the middle of its key exchange (the
 * curve25519 key pair, 64 bytes, when the server froze before its ECDH
 * reply: a node stopped or cut mid-handshake, or quitting then; upstream
 * libssh2/libssh2#282, #1691).
 *
 * Whatever doptop hands libssh2 to free (a signature from the agent) must
 * come from ssh_mem_alloc() with the session's abstract.
 *
 * The callbacks' abstract is &mem (libssh2_session_init_ex's last
 * argument); owner is for whoever else reads the session's abstract (the
 * recv callback).  Single-threaded, like the session.
 */
#ifndef DOPTOP_SSH_MEM_H
#define DOPTOP_SSH_MEM_H

#include <stddef.h>

struct ssh_mem_blk;

struct ssh_mem {
	struct ssh_mem_blk *head;
	size_t bytes, blocks;       /* held now by the session */
	void *owner;                /* the ssh_conn */
};

/* libssh2's alloc, free and realloc callbacks (LIBSSH2_ALLOC_FUNC, ...). */
void *ssh_mem_alloc(size_t n, void **abstract);
void ssh_mem_free(void *p, void **abstract);
void *ssh_mem_realloc(void *p, size_t n, void **abstract);
/* Free every block still listed (call after libssh2_session_free());
 * returns the bytes that were left.  m stays usable for a new session. */
size_t ssh_mem_release(struct ssh_mem *m);

#endif
