// SPDX-License-Identifier: Apache-2.0
/*
 * The PTY pair a supervised session's command gets (nono_pty_open, see
 * relay.h): the master non-blocking for the relay, the slave sized and
 * moded like the user's terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "session/relay.h"

int nono_pty_open(int like, int *master, int *slave)
{
	struct termios tio;
	struct winsize ws;
	char name[128];
	int m, s;

	*master = *slave = -1;
	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return -errno;
	if (grantpt(m) < 0 || unlockpt(m) < 0 ||
	    ptsname_r(m, name, sizeof(name)) != 0) {
		int e = -errno;

		close(m);
		return e ? e : -EIO;
	}
	s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		int e = -errno;

		close(m);
		return e;
	}
	if (like >= 0 && tcgetattr(like, &tio) == 0)
		tcsetattr(s, TCSANOW, &tio);
	if (like >= 0 && ioctl(like, TIOCGWINSZ, &ws) == 0 && ws.ws_row)
		ioctl(m, TIOCSWINSZ, &ws);
	else {
		ws = (struct winsize){.ws_row = 24, .ws_col = 80};
		ioctl(m, TIOCSWINSZ, &ws);
	}
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	*master = m;
	*slave = s;
	return 0;
}
