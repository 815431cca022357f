// SPDX-License-Identifier: Apache-2.0
/*
 * AF_UNIX socket identity from NETLINK_SOCK_DIAG.  The gate must know which
 * socket a path leads to, and who bound it where: a path is only a name,
 * and a sandbox that can rename and link in a shared /tmp can give any
 * socket any name (the ssh-agent socket hard-linked to a name the sandbox
 * bound before, or moved into a granted directory).  The kernel keeps, for
 * every bound socket, the inode its bind created and the name it was bound
 * with; unix_diag reports both, for one socket by its own inode or for all
 * listening ones.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "supervisor/sockdiag.h"

/* TCP_LISTEN in the kernel's socket states, which AF_UNIX shares. */
#define NONO_SS_LISTEN 10

int nono_sockdiag_open(void)
{
	int fd =
	    socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	return fd < 0 ? -errno : fd;
}

/* The kernel's dev_t (major in the top 12 bits, minor in the low 20) in
 * the form stat(2) reports. */
static dev_t from_kdev(uint32_t k)
{
	return makedev(k >> 20, k & 0xfffff);
}

int nono_sockdiag_parse(const void *msg, size_t len, struct nono_unix_sock *out)
{
	const struct nlmsghdr *nh = msg;
	const struct unix_diag_msg *m;
	const unsigned char *p, *end;

	memset(out, 0, sizeof(*out));
	if (len < NLMSG_LENGTH(sizeof(*m)) || nh->nlmsg_len > len ||
	    nh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EINVAL;
	m = NLMSG_DATA(nh);
	if (m->udiag_family != AF_UNIX)
		return -EINVAL;
	out->sock = m->udiag_ino;
	p = (const unsigned char *)m + NLMSG_ALIGN(sizeof(*m));
	end = (const unsigned char *)nh + nh->nlmsg_len;
	while ((size_t)(end - p) >= sizeof(struct nlattr)) {
		struct nlattr a;
		size_t alen, plen;

		memcpy(&a, p, sizeof(a));
		alen = a.nla_len;
		if (alen < sizeof(a) || alen > (size_t)(end - p))
			return -EINVAL;
		plen = alen - sizeof(a);
		switch (a.nla_type & NLA_TYPE_MASK) {
		case UNIX_DIAG_NAME:
			/* sun_path as bound: a leading NUL for an abstract
			 * name; a path may carry its terminating NUL. */
			if (plen == 0 || plen > sizeof(out->name) - 1)
				return -EINVAL;
			if (p[sizeof(a)] == '\0') {
				out->abstract = true;
				out->namelen = plen - 1;
				memcpy(out->name, p + sizeof(a) + 1, plen - 1);
			} else {
				out->namelen =
				    strnlen((const char *)p + sizeof(a), plen);
				memcpy(out->name, p + sizeof(a), out->namelen);
			}
			out->name[out->namelen] = '\0';
			break;
		case UNIX_DIAG_VFS: {
			struct unix_diag_vfs v;

			if (plen < sizeof(v))
				return -EINVAL;
			memcpy(&v, p + sizeof(a), sizeof(v));
			out->has_vfs = true;
			out->vfs_ino = v.udiag_vfs_ino;
			out->vfs_dev = from_kdev(v.udiag_vfs_dev);
			break;
		}
		default:
			break;
		}
		/* The last attribute may lack its padding. */
		if (NLA_ALIGN(alen) >= (size_t)(end - p))
			break;
		p += NLA_ALIGN(alen);
	}
	return 0;
}

/* Sends @req and reads the replies to it.  An exact query (!@dump) fills
 * out[0] with the socket @sock; a dump fills @out with up to @max listeners
 * bound to a file of inode number @ino, those on device @dev first (a
 * file system may report other device numbers to stat(2) than its
 * superblock's, as btrfs subvolumes do: the caller confirms each).
 * Replies to an earlier query that stopped early carry another sequence
 * number and are skipped; a reply that does not parse is skipped too.
 * Returns the number filled (0: none) or -errno. */
static int query(int nl, const struct unix_diag_req *req, bool dump, ino_t sock,
		 dev_t dev, ino_t ino, struct nono_unix_sock *out, size_t max)
{
	struct {
		struct nlmsghdr nh;
		struct unix_diag_req r;
	} msg = {
	    .nh = {.nlmsg_len = sizeof(msg),
		   .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		   .nlmsg_flags =
		       (__u16)(NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0))},
	    .r = *req,
	};
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	static _Atomic __u32 seq;
	/* Aligned for nlmsghdr; big enough for many replies per read. */
	static _Thread_local uint32_t buf[8192];
	size_t found = 0;

	if (max == 0)
		return -EINVAL;
	msg.nh.nlmsg_seq = ++seq;
	if (sendto(nl, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) != (ssize_t)sizeof(msg))
		return -errno;
	/* Bounded: a host has a finite number of sockets, and a dump's
	 * batches are large; stale batches count too. */
	for (int batches = 0; batches < 100000; batches++) {
		ssize_t n = recv(nl, buf, sizeof(buf), 0);
		const struct nlmsghdr *nh = (const struct nlmsghdr *)buf;
		size_t left;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		left = (size_t)n;
		for (; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
			struct nono_unix_sock s;

			if (nh->nlmsg_seq != msg.nh.nlmsg_seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE)
				return (int)found;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EIO;
				/* An exact query for a socket that is gone. */
				if (e->error == -ENOENT)
					return 0;
				return e->error ? e->error : (int)found;
			}
			if (nh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    nono_sockdiag_parse(nh, left, &s) < 0)
				continue;
			if (!dump) {
				if (s.sock != sock)
					continue;
				out[0] = s;
				return 1; /* one reply, no DONE */
			}
			if (!s.has_vfs || s.vfs_ino != ino || found == max)
				continue;
			if (s.vfs_dev == dev) {
				/* Exact matches first. */
				memmove(out + 1, out, found * sizeof(*out));
				out[0] = s;
			} else {
				out[found] = s;
			}
			found++;
		}
	}
	return -EIO;
}

int nono_sockdiag_get(int nl, ino_t sock, struct nono_unix_sock *out)
{
	struct unix_diag_req req = {
	    .sdiag_family = AF_UNIX,
	    .udiag_states = ~0U,
	    .udiag_ino = (__u32)sock,
	    .udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_VFS,
	    /* No cookie: look the socket up by inode alone. */
	    .udiag_cookie = {~0U, ~0U},
	};
	int r;

	if (nl < 0)
		return -EBADF;
	if ((ino_t)req.udiag_ino != sock)
		return -ENOENT;
	r = query(nl, &req, false, sock, 0, 0, out, 1);
	return r < 0 ? r : r == 1 ? 0 : -ENOENT;
}

int nono_sockdiag_find_listeners(int nl, dev_t dev, ino_t ino,
				 struct nono_unix_sock *out, size_t max)
{
	struct unix_diag_req req = {
	    .sdiag_family = AF_UNIX,
	    .udiag_states = 1U << NONO_SS_LISTEN,
	    .udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_VFS,
	};

	if (nl < 0)
		return -EBADF;
	return query(nl, &req, true, 0, dev, ino, out, max);
}
