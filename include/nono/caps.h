/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The capability set: everything a sandboxed command may touch.  libnono only
 * enforces what a caller puts here; it adds nothing on its own.
 */
#ifndef NONO_CAPS_H
#define NONO_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Access bits of a path grant. */
enum {
	NONO_ACCESS_READ = 1u << 0,
	NONO_ACCESS_WRITE = 1u << 1,
	NONO_ACCESS_RW = NONO_ACCESS_READ | NONO_ACCESS_WRITE,
};

/* Flags of a path grant. */
enum {
	NONO_GRANT_FILE = 1u << 0,     /* a single file, not a tree */
	NONO_GRANT_NOEXEC = 1u << 1,   /* read without execute */
	NONO_GRANT_DEVICE = 1u << 2,   /* device node: ioctl allowed */
	NONO_GRANT_OPTIONAL = 1u << 3, /* silently skipped when absent */
	/* A trusted path (nono's own system list) that may be a symlink:
	 * opened following it, without canonicalising it first. */
	NONO_GRANT_FOLLOW = 1u << 4,
	/* Write without creating or renaming into the directory itself:
	 * creation there is decided at run time by the supervisor (guard). */
	NONO_GRANT_NOCREATE = 1u << 5,
	/* Nor opening files for writing or truncating them: each write-open
	 * is performed by the supervisor, which refuses persistence files
	 * (a sealed tree, and every writable grant above one). */
	NONO_GRANT_NOWRITE = 1u << 6,
};

/* Where a grant came from; used for reporting only. */
enum nono_origin {
	NONO_ORIGIN_USER = 0,
	NONO_ORIGIN_SYSTEM,
	NONO_ORIGIN_GPU,
	NONO_ORIGIN_SOCKET,
	NONO_ORIGIN_CWD,
	NONO_ORIGIN_GUARD,  /* a subdirectory of a guarded directory */
	NONO_ORIGIN_GROUP,  /* a policy group a profile included */
	NONO_ORIGIN_TMPDIR, /* $TMPDIR where /tmp is not (sealed) */
};

/* Which names a guarded directory refuses to have created in it. */
enum nono_guard_kind {
	NONO_GUARD_TREE = 0,   /* root of a writable grant: persistence files */
	NONO_GUARD_GITDIR,     /* a .git directory: hooks, config */
	NONO_GUARD_HOME,       /* $HOME: credentials, rc files, nono state */
	NONO_GUARD_XDG,        /* ~/.config: autostart, systemd units, git */
	NONO_GUARD_LOCAL,      /* ~/.local: bin (on PATH) */
	NONO_GUARD_LOCALSHARE, /* ~/.local/share: systemd, applications */
	NONO_GUARD_GITINFO,    /* .git/info: attributes */
	NONO_GUARD_SEALED,     /* .git/modules, .git/worktrees: every name */
	NONO_GUARD_KEEP,       /* parent of a keep_read_only path: that path */
};

enum nono_net_mode {
	NONO_NET_ALLOW = 0, /* no network restriction */
	NONO_NET_BLOCK,     /* no network but the open ports on loopback */
};

/* Pathname AF_UNIX socket grants. */
enum nono_sock_scope {
	NONO_SOCK_FILE = 0, /* exactly this socket path */
	NONO_SOCK_DIR,      /* sockets directly inside this directory */
	NONO_SOCK_SUBTREE,  /* sockets anywhere beneath this directory */
};

/* What to do with a path inside a private mount namespace. */
enum nono_mask_kind {
	NONO_MASK_HIDE = 0, /* replace by an empty, read-only object */
	NONO_MASK_READONLY, /* keep visible, refuse every write */
	NONO_MASK_PIN,      /* keep writable, but not renamable or removable */
	NONO_MASK_PRIVATE,  /* replace by the sandbox's own directory (src) */
};

/* "hidden", "read-only", "pinned" or "private". */
const char *nono_mask_kind_name(enum nono_mask_kind kind);

/* Landlock scopes. */
enum {
	NONO_SCOPE_SIGNAL = 1u << 0,
	NONO_SCOPE_ABSTRACT_UNIX = 1u << 1,
};

struct nono_grant {
	const char *path; /* canonical, absolute */
	unsigned access;  /* NONO_ACCESS_* */
	unsigned flags;   /* NONO_GRANT_* */
	enum nono_origin origin;
};

struct nono_sock_grant {
	const char *path;
	enum nono_sock_scope scope;
	bool bind;
};

struct nono_mask {
	const char *path;
	enum nono_mask_kind kind;
	bool is_dir;
	const char *src; /* NONO_MASK_PRIVATE: what is mounted at path */
	/* When id.ino != 0: the object the mask must be on, as the caller
	 * checked it (a verified instruction file); another one there, or
	 * this one changed, fails the sandbox with -NONO_ECHANGED. */
	struct nono_file_id {
		unsigned long long dev, ino, size;
		long long mtime_ns, ctime_ns;
	} id;
};

struct nono_guard {
	const char *path; /* canonical directory */
	enum nono_guard_kind kind;
	unsigned long long dev, ino; /* identity when planned */
};

struct nono_caps;

/* Returns a new, empty set (no path, network allowed, no scope), or NULL
 * when out of memory.  Caller frees with nono_caps_free(). */
struct nono_caps *nono_caps_new(void);
void nono_caps_free(struct nono_caps *caps);

/*
 * Adds a grant for @path, which must be absolute and canonical.  A grant for
 * a path already present merges its access bits.  Returns 0, -EINVAL for a
 * relative or empty path, -ENAMETOOLONG, -E2BIG past NONO_CAPS_MAX, -ENOMEM.
 */
#define NONO_CAPS_MAX 4096
int nono_caps_add_path(struct nono_caps *caps, const char *path,
		       unsigned access, unsigned flags, enum nono_origin origin)
    __attribute__((warn_unused_result));
size_t nono_caps_path_count(const struct nono_caps *caps);
/* Borrowed pointer, valid until the set changes. */
const struct nono_grant *nono_caps_path_at(const struct nono_caps *caps,
					   size_t i);
/* Removes every grant of @path; returns how many were removed. */
size_t nono_caps_remove_path(struct nono_caps *caps, const char *path);

void nono_caps_set_net(struct nono_caps *caps, enum nono_net_mode mode);
enum nono_net_mode nono_caps_net(const struct nono_caps *caps);
/* Adds a loopback TCP port open in both directions; -EINVAL for 0. */
int nono_caps_add_port(struct nono_caps *caps, uint16_t port)
    __attribute__((warn_unused_result));
size_t nono_caps_port_count(const struct nono_caps *caps);
uint16_t nono_caps_port_at(const struct nono_caps *caps, size_t i);

int nono_caps_add_socket(struct nono_caps *caps, const char *path,
			 enum nono_sock_scope scope, bool bind)
    __attribute__((warn_unused_result));
size_t nono_caps_socket_count(const struct nono_caps *caps);
const struct nono_sock_grant *nono_caps_socket_at(const struct nono_caps *caps,
						  size_t i);

/* Paths hidden or made read-only in a private mount namespace. */
int nono_caps_add_mask(struct nono_caps *caps, const char *path,
		       enum nono_mask_kind kind, bool is_dir)
    __attribute__((warn_unused_result));
/* @path (a directory) shows the directory @src instead: a copy private to
 * sandboxed runs of what tools outside would otherwise run later. */
/* Pins the mask at @path to the object @id (device, inode, and size and
 * times, so that a freed inode number given to a new file does not pass):
 * 0, or -ENOENT when there is no mask at @path. */
int nono_caps_mask_expect(struct nono_caps *caps, const char *path,
			  const struct nono_file_id *id);
int nono_caps_add_private(struct nono_caps *caps, const char *path,
			  const char *src) __attribute__((warn_unused_result));
size_t nono_caps_mask_count(const struct nono_caps *caps);
const struct nono_mask *nono_caps_mask_at(const struct nono_caps *caps,
					  size_t i);

/* Guarded directories (see NONO_GRANT_NOCREATE). */
int nono_caps_add_guard(struct nono_caps *caps, const char *path,
			enum nono_guard_kind kind, unsigned long long dev,
			unsigned long long ino)
    __attribute__((warn_unused_result));
size_t nono_caps_guard_count(const struct nono_caps *caps);
const struct nono_guard *nono_caps_guard_at(const struct nono_caps *caps,
					    size_t i);
/* Sets or clears flag bits of every grant of @path; returns how many. */
size_t nono_caps_flag_path(struct nono_caps *caps, const char *path,
			   unsigned set, unsigned clear);

/* True when Landlock lets the sandbox create entries in directory @path:
 * some covering grant has write without NONO_GRANT_NOCREATE. */
bool nono_caps_can_create(const struct nono_caps *caps, const char *path);
/* True when Landlock lets the sandbox open files in directory @path for
 * writing: some covering grant has write without NONO_GRANT_NOWRITE. */
bool nono_caps_can_write_open(const struct nono_caps *caps, const char *path);
/* True for a grant that makes a sealed tree: a writable directory the user
 * gave (--allow, a writable working directory). */
bool nono_grant_seals(const struct nono_grant *g);
/* True when @path lies in a sealed tree: a writable directory grant the
 * user gave (--allow, a writable working directory), where every new name
 * and every write-open is decided by the supervisor. */
bool nono_caps_sealed(const struct nono_caps *caps, const char *path);
/* The outermost sealed tree's root over @path, or NULL. */
const char *nono_caps_sealed_root(const struct nono_caps *caps,
				  const char *path);

void nono_caps_set_scopes(struct nono_caps *caps, unsigned scopes);
unsigned nono_caps_scopes(const struct nono_caps *caps);

/* Grants write on the sandboxed process's own /proc/<pid> (threads name
 * themselves through /proc/self/task/<tid>/comm; GPU drivers need it). */
void nono_caps_set_proc_self_write(struct nono_caps *caps, bool on);
bool nono_caps_proc_self_write(const struct nono_caps *caps);

/* nono learn: every call that names a path also goes to the supervisor,
 * which records it (with the gate: see nono_gate_set_learn). */
void nono_caps_set_learn(struct nono_caps *caps, bool on);
bool nono_caps_learn(const struct nono_caps *caps);
/* With learn: the calls that only look at a name (stat, access, readlink,
 * ...) go to the supervisor too (nono learn --all). */
void nono_caps_set_learn_meta(struct nono_caps *caps, bool on);
bool nono_caps_learn_meta(const struct nono_caps *caps);
/* Capability elevation: opens and the calls that make, remove, rename or
 * link a name also go to the supervisor, which asks the user about those
 * the grants refuse (with the gate: see nono_gate_set_elevate). */
void nono_caps_set_elevate(struct nono_caps *caps, bool on);
bool nono_caps_elevate(const struct nono_caps *caps);

/* Routes connect(2)/bind(2) through a supervising process (the gate), which
 * mediates pathname AF_UNIX sockets.  Only for a supervised sandbox. */
void nono_caps_set_gate(struct nono_caps *caps, bool on);
bool nono_caps_gate(const struct nono_caps *caps);

/*
 * Runs the sandbox in its own network namespace whose only interface is
 * loopback, where a listener on 127.0.0.1:@port is created and handed to the
 * supervisor (the proxy): that listener is all the sandbox can reach.  0
 * turns it off.  Needs user namespaces and a supervised sandbox.
 */
void nono_caps_set_isolated_net(struct nono_caps *caps, uint16_t port);
uint16_t nono_caps_isolated_net(const struct nono_caps *caps);

/* Refuses every AF_UNIX socket but socketpair() (the fallback when no gate
 * can mediate them). */
void nono_caps_set_unix_blocked(struct nono_caps *caps, bool on);
bool nono_caps_unix_blocked(const struct nono_caps *caps);

/*
 * Answers whether @path (absolute, canonical) gets @access from the grants
 * alone (masks are not consulted).  On a match, *@grant (may be NULL) is set
 * to the deciding grant; otherwise to NULL.
 */
bool nono_caps_allows(const struct nono_caps *caps, const char *path,
		      unsigned access, const struct nono_grant **grant);

/* True when @ancestor is @path or a directory above it (both canonical). */
bool nono_path_is_under(const char *path, const char *ancestor);

#endif
