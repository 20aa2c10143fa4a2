/*
 * fuzz_ssh_config.c — libFuzzer target for ssh_config text: Host/Match
 * evaluation, the keyword table, quoting, tokens, ProxyJump hops and the
 * ssh -G printout, for a few host names.  Inputs that mention Include are
 * skipped (they would read the fuzzing machine's files).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ssh_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hosts[] = { "n1", "Web1", "10.0.0.1" };
	static FILE *devnull;
	char path[64];

	if (memmem(data, size, "nclude", 6) || memmem(data, size, "NCLUDE", 6))
		return 0;
	int fd = memfd_create("fuzz_ssh_config", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		struct ssh_host_cfg c;
		const char *why = NULL;
		if (ssh_config_resolve(hosts[i], path, "/nonexistent-home", &c, &why) < 0) {
			if (!why || strlen(why) > 600)
				abort();
			continue;
		}
		if (!c.hostname || !c.user || c.port < 1 || c.port > 65535 ||
		    c.nknown_hosts < c.nuser_known_hosts || c.njump > SSHCFG_MAX_JUMPS)
			abort();
		ssh_config_print(devnull, &c);
		free(ssh_config_proxy_command(&c, NULL, 0));
		ssh_config_free(&c);
	}
	close(fd);
	return 0;
}
