/*
 * fuzz_known_hosts.c — libFuzzer target for known_hosts text (a file a
 * user may have filled from anywhere): OpenSSH's host key rules over
 * arbitrary lines, for a few lookup names, with and without a key, and the
 * pattern matcher on the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssh_known_hosts.h"
#include "ssh_match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An ssh-ed25519 public key blob (type string + 32 bytes). */
	static const unsigned char key[] = {
		0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9',
		0, 0, 0, 32, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	};
	static const char *const names[] = { "n1", "[127.0.0.1]:2222", "n1.example.com", "" };
	struct khs_result r;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ssh_known_hosts_begin(&r);
		ssh_known_hosts_text(names[i], i % 2 ? NULL : key, i % 2 ? 0 : sizeof(key), "fuzz",
		                     (const char *)data, size, &r);
		enum khs_status st = ssh_known_hosts_end(&r);
		if (st > KHS_ERROR || r.ntypes < 0 || r.ntypes > KHS_MAX_TYPES ||
		    strlen(r.where) >= sizeof(r.where) || strlen(r.why) >= sizeof(r.why))
			abort();
	}
	/* The matcher on the input as a pattern list and as a name. */
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	int m = ssh_match_hostname("n1.example.com", s) + ssh_match_list(s, "*.com,!x*,n?", true);
	if (m < -2 || m > 2)
		abort();
	unsigned char out[256];
	ssh_b64_decode(s, strlen(s), out, sizeof(out));
	free(s);
	return 0;
}
