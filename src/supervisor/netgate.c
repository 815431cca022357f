// SPDX-License-Identifier: Apache-2.0
/*
 * The gate's network half: connect, bind and listen of inet sockets under
 * --block-net (and wherever the filter sends them), decided on the address
 * the supervisor copied and performed on the socket it checked.  Loopback
 * ports opened with --open-port are the only way out; every refusal is
 * noted for the footer (and recorded while learning).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "nono/caps.h"
#include "supervisor/gate.h"
#include "supervisor/gate_internal.h"

bool nono_gate_inet_allowed(const struct nono_gate *g, const void *addr,
			    size_t len)
{
	const struct nono_caps *caps = g->caps;
	const struct sockaddr *sa = addr;
	uint16_t port;
	bool loopback;

	if (nono_caps_net(caps) != NONO_NET_BLOCK)
		return true;
	if (len < sizeof(sa_family_t))
		return false;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = addr;

		port = ntohs(in->sin_port);
		loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	} else if (sa->sa_family == AF_INET6 &&
		   len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = addr;

		port = ntohs(in6->sin6_port);
		loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
			   (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) &&
			    in6->sin6_addr.s6_addr[12] == 127);
	} else {
		return false;
	}
	/* --open-port: loopback only, which is what it promises (Landlock
	 * alone could only match the port). */
	for (size_t i = 0; loopback && i < nono_caps_port_count(caps); i++)
		if (nono_caps_port_at(caps, i) == port)
			return true;
	return false;
}

/* "@op ADDR PORT" of the inet address @ss (nono_gate_net_parse's form). */
static void shown_addr(const struct sockaddr_storage *ss, const char *op,
		       char *out, size_t len)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;

		inet_ntop(AF_INET, &a->sin_addr, addr, sizeof(addr));
		port = ntohs(a->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof(addr));
		port = ntohs(a->sin6_port);
	}
	snprintf(out, len, "%s %s %u", op, addr, port);
}

/* connect/bind of a non-AF_UNIX socket: performed here, as checked. */
int nono_netgate_inet(struct nono_gate *g, int listener,
		      const struct seccomp_notif *req, int sfd, bool is_bind)
{
	struct sockaddr_storage ss;
	socklen_t len = (socklen_t)(req->data.args[2] & 0xffffffffu);
	char shown[112];
	int r;

	if (len > sizeof(ss))
		return -EINVAL;
	memset(&ss, 0, sizeof(ss));
	r = nono_gate_read_addr(listener, req, &ss, len);
	if (r < 0)
		return r;
	if (!nono_gate_inet_allowed(g, &ss, len)) {
		/* "connect 127.0.0.1 3000": the footer words it for the
		 * mode (--block-net or proxy). */
		shown_addr(&ss, is_bind ? "bind" : "connect", shown,
			   sizeof(shown));
		nono_gate_note_denial(g, NONO_GATE_NET, shown);
		if (g->learn)
			nono_learngate_net(g, shown);
		return -EACCES;
	}
	/* Learning with --all: the connections the profile allowed. */
	if (g->learn && !is_bind &&
	    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)) {
		shown_addr(&ss, "connected", shown, sizeof(shown));
		nono_learngate_net(g, shown);
	}
	if (!is_bind)
		return nono_gate_connect_addr(listener, req->id, sfd, &ss, len,
					      -1);
	r = bind(sfd, (struct sockaddr *)&ss, len);
	return r < 0 ? -errno : 0;
}

/*
 * listen(2), sent here under --block-net: a TCP socket the gate did not
 * bind would be bound by the kernel to the wildcard address.  Performed
 * here on the socket we checked (the fd number could be reused by another
 * thread after a CONTINUE).
 */
int nono_netgate_listen(struct nono_gate *g, const struct seccomp_notif *req,
			int sfd, int domain)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int backlog = (int)(req->data.args[1] & 0xffffffffu);
	uint16_t port = 0;

	memset(&ss, 0, sizeof(ss));
	if (getsockname(sfd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	if (domain == AF_INET && ss.ss_family == AF_INET)
		port = ((const struct sockaddr_in *)&ss)->sin_port;
	else if (domain == AF_INET6 && ss.ss_family == AF_INET6)
		port = ((const struct sockaddr_in6 *)&ss)->sin6_port;
	if (domain != AF_UNIX && port == 0) {
		nono_gate_note_denial(g, NONO_GATE_NET, "listen - 0");
		if (g->learn)
			nono_learngate_net(g, "listen - 0");
		return -EACCES;
	}
	if (listen(sfd, backlog) < 0)
		return -errno;
	/* An AF_UNIX socket never bound gets an abstract name: its own. */
	if (domain == AF_UNIX)
		nono_gate_note_own(g, sfd, -1, NULL);
	return 0;
}
