package security

// libcGroups are added to the derived profile of a binary that links C
// code (build.cgo), whose system calls the derivation does not read: what
// a static C library, musl or glibc, calls for the POSIX functions C code
// uses, beyond the go profile. musl, on every architecture that has them,
// makes the older forms of the file calls (open, stat, lstat, unlink,
// rename, mkdir, ...) where Go makes the *at forms: SQLite under the go
// profile alone fails to open its database (ENOSYS, or EPERM under Docker
// 20.10). The calls have no more power than their *at forms, or than the
// go profile's; the denied groups stay denied, and calls an architecture
// lacks are left out.
var libcGroups = []group{
	{comment: "C library: the older forms of the file calls, which musl makes where they exist (stat, lstat, open, unlink, rename, mkdir, ...)",
		names: []string{"open", "creat", "stat", "stat64", "lstat", "lstat64", "access", "readlink", "unlink", "rename", "mkdir", "rmdir",
			"link", "linkat", "symlink", "symlinkat", "chmod", "chown", "chown32", "lchown", "lchown32", "fchown", "fchown32", "fchownat",
			"utime", "utimes", "futimesat", "utimensat_time64", "truncate", "truncate64", "mknod", "mknodat", "getdents", "dup", "dup2", "pipe",
			"statfs", "statfs64", "fstatfs", "fstatfs64", "fchdir", "umask", "sync", "syncfs", "fallocate", "fadvise64", "fadvise64_64",
			"arm_fadvise64_64", "flock", "preadv", "pwritev", "preadv2", "pwritev2", "readahead", "msync", "mremap", "mlock", "munlock",
			"inotify_init1", "inotify_add_watch", "inotify_rm_watch"}},
	{comment: "C library: threads (pthread_create, thread exit and cancellation), its start-up and its synchronisation",
		names: []string{"set_tid_address", "set_robust_list", "get_robust_list", "tkill", "membarrier", "rseq", "sched_getparam",
			"sched_getscheduler", "sched_get_priority_max", "sched_get_priority_min", "set_thread_area", "get_thread_area"}},
	{comment: "C library: waiting and time (poll, select, sleep, alarm, timers), signals it handles",
		names: []string{"poll", "ppoll", "ppoll_time64", "select", "_newselect", "pselect6", "pselect6_time64", "epoll_wait", "epoll_create",
			"alarm", "getitimer", "time", "times", "timer_gettime", "timer_gettime64", "timer_getoverrun", "timerfd_create",
			"timerfd_settime", "timerfd_settime64", "timerfd_gettime", "timerfd_gettime64", "eventfd", "rt_sigtimedwait",
			"rt_sigtimedwait_time64", "rt_sigsuspend", "rt_sigpending", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigprocmask", "sigaction",
			"sigsuspend", "sigpending", "pause"}},
	{comment: "C library: who the process is (getpwuid_r and getaddrinfo read files only; these are the ids and names around them)",
		names: []string{"getresuid", "getresuid32", "getresgid", "getresgid32", "getpgid", "getpgrp", "getsid", "sysinfo", "getpriority",
			"sched_setaffinity", "vfork"}},
}
