/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The BPF programs generated at build time, one per option set (indexed by
 * nono_seccomp_variant()).
 */
#ifndef NONO_CORE_SECCOMP_BPF_H
#define NONO_CORE_SECCOMP_BPF_H

#include <linux/filter.h>

struct nono_bpf_program {
	const struct sock_filter *insns;
	unsigned short len;
};

extern const struct nono_bpf_program nono_bpf_programs[];

#endif
