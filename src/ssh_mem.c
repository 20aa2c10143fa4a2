/*
 * ssh_mem.c — a listing allocator for libssh2 sessions (see ssh_mem.h).
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "ssh_mem.h"

/* The header before each block: 32 bytes, so the block keeps malloc's
 * 16-byte alignment. */
struct ssh_mem_blk {
	struct ssh_mem_blk *prev, *next;
	size_t n;
	alignas(16) unsigned char data[];
};

/* The header of a block libssh2 holds. */
static struct ssh_mem_blk *blk_of(void *p)
{
	return (struct ssh_mem_blk *)((unsigned char *)p - offsetof(struct ssh_mem_blk, data));
}

/* Put b at the head of m's list. */
static void blk_link(struct ssh_mem *m, struct ssh_mem_blk *b)
{
	b->prev = NULL;
	b->next = m->head;
	if (m->head)
		m->head->prev = b;
	m->head = b;
	m->bytes += b->n;
	m->blocks++;
}

/* Take b off m's list. */
static void blk_unlink(struct ssh_mem *m, struct ssh_mem_blk *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		m->head = b->next;
	if (b->next)
		b->next->prev = b->prev;
	m->bytes -= b->n;
	m->blocks--;
}

/* libssh2's alloc callback. */
void *ssh_mem_alloc(size_t n, void **abstract)
{
	struct ssh_mem *m = *abstract;
	if (n > SIZE_MAX - sizeof(struct ssh_mem_blk))
		return NULL;
	struct ssh_mem_blk *b = malloc(sizeof *b + n);
	if (!b)
		return NULL;
	b->n = n;
	blk_link(m, b);
	return b->data;
}

/* libssh2's free callback; NULL is a no-op. */
void ssh_mem_free(void *p, void **abstract)
{
	if (!p)
		return;
	struct ssh_mem_blk *b = blk_of(p);
	blk_unlink(*abstract, b);
	free(b);
}

/* libssh2's realloc callback: realloc(NULL, n) allocates. */
void *ssh_mem_realloc(void *p, size_t n, void **abstract)
{
	struct ssh_mem *m = *abstract;
	if (!p)
		return ssh_mem_alloc(n, abstract);
	if (n > SIZE_MAX - sizeof(struct ssh_mem_blk))
		return NULL;
	struct ssh_mem_blk *b = blk_of(p);
	blk_unlink(m, b);
	struct ssh_mem_blk *nb = realloc(b, sizeof *b + n);
	if (!nb) {
		blk_link(m, b);   /* the old block stays valid and listed */
		return NULL;
	}
	nb->n = n;
	blk_link(m, nb);
	return nb->data;
}

/* Free what the last session left behind. */
size_t ssh_mem_release(struct ssh_mem *m)
{
	size_t left = m->bytes;
	while (m->head) {
		struct ssh_mem_blk *b = m->head;
		m->head = b->next;
		free(b);
	}
	m->bytes = m->blocks = 0;
	return left;
}
