package probe

import (
	"debug/elf"
	"encoding/binary"
)

var archAMD64 = arch{
	machine: elf.EM_X86_64,
	class:   elf.ELFCLASS64,
	order:   binary.LittleEndian,
	// Without SA_RESTORER, x86-64 kernels fail to deliver the signal (and
	// kill the process with SIGSEGV instead); the restorer itself, 0, is
	// never reached, as the handler exits.
	saFlags: saRestorer,
	program: amd64Program,
}

// System call numbers (arch/x86/entry/syscalls/syscall_64.tbl).
var amd64Sys = sysnums{read: 0, rtSigaction: 13, rtSigprocmask: 14, setitimer: 38, socket: 41, connect: 42, sendto: 44, exitGroup: 231}

// amd64Program: syscall takes the number in rax and the arguments in rdi,
// rsi, rdx, r10, r8, r9, returns in rax (-errno on failure), and clobbers
// rcx and r11 only. State lives in rbx (the socket), rbp and r12. The data
// sits below 4 GiB, so a 32-bit mov loads its address.
func amd64Program(asm *asm, d *rodata) {
	a, s := x86{asm}, amd64Sys

	a.label("fail")                    // the SIGALRM handler, and where every failure jumps
	a.movImm(xDI, 1)                   // mov edi, 1: exit status
	a.label("exit")                    //
	a.movImm(xAX, s.exitGroup)         // mov eax, SYS_exit_group
	a.op(0x0f, 0x05)                   // syscall
	a.label("entry")                   //
	a.movImm(xAX, s.rtSigaction)       // mov eax, SYS_rt_sigaction
	a.movImm(xDI, sigalrm)             // mov edi, SIGALRM
	a.movImm(xSI, uint32(d.sigaction)) // mov esi, sigaction
	a.op(0x31, 0xd2)                   // xor edx, edx: no old action
	a.movImm(xR10, sigsetSize)         // mov r10d, 8: sizeof(sigset_t)
	a.op(0x0f, 0x05)                   // syscall
	a.op(0x85, 0xc0)                   // test eax, eax
	a.jcc(ccNE, "fail")                // jnz fail
	a.movImm(xAX, s.rtSigprocmask)     // mov eax, SYS_rt_sigprocmask
	a.movImm(xDI, sigUnblock)          // mov edi, SIG_UNBLOCK
	a.movImm(xSI, uint32(d.sigset))    // mov esi, sigset: {SIGALRM}
	a.op(0x31, 0xd2)                   // xor edx, edx: no old set
	a.movImm(xR10, sigsetSize)         // mov r10d, 8: sizeof(sigset_t)
	a.op(0x0f, 0x05)                   // syscall
	a.op(0x85, 0xc0)                   // test eax, eax
	a.jcc(ccNE, "fail")                // jnz fail
	a.movImm(xAX, s.setitimer)         // mov eax, SYS_setitimer
	a.op(0x31, 0xff)                   // xor edi, edi: ITIMER_REAL
	a.movImm(xSI, uint32(d.itimer))    // mov esi, itimer
	a.op(0x31, 0xd2)                   // xor edx, edx: no old value
	a.op(0x0f, 0x05)                   // syscall
	a.op(0x85, 0xc0)                   // test eax, eax
	a.jcc(ccNE, "fail")                // jnz fail: no timer, no probe
	a.movImm(xAX, s.socket)            // mov eax, SYS_socket
	a.movImm(xDI, d.family)            // mov edi, AF_INET or AF_INET6
	a.movImm(xSI, sockStream)          // mov esi, SOCK_STREAM
	a.op(0x31, 0xd2)                   // xor edx, edx: protocol 0
	a.op(0x0f, 0x05)                   // syscall
	a.op(0x89, 0xc3)                   // mov ebx, eax: the socket (an error makes connect fail)
	a.movImm(xAX, s.connect)           // mov eax, SYS_connect
	a.op(0x89, 0xdf)                   // mov edi, ebx
	a.movImm(xSI, uint32(d.sockaddr))  // mov esi, sockaddr
	a.movImm(xDX, d.sockaddrLen)       // mov edx, sizeof(sockaddr)
	a.op(0x0f, 0x05)                   // syscall
	a.op(0x85, 0xc0)                   // test eax, eax
	a.jcc(ccNE, "fail")                // jnz fail: refused, unreachable
	if d.http() {
		amd64HTTP(a, d)
	}
	a.label("ok")    //
	a.op(0x31, 0xff) // xor edi, edi: exit status 0
	a.jmp("exit")    // jmp exit
}

// amd64HTTP sends the request and checks the status line; it falls through
// to "ok" when the status is 2xx or 3xx.
func amd64HTTP(a x86, d *rodata) {
	s := amd64Sys
	loEnd := uint32(d.pattern + patternLen) // the address past the lo bytes

	a.movImm(xBP, uint32(d.request))   // mov ebp, request: the next byte to send
	a.movImm(xR12, d.requestLen)       // mov r12d, len: bytes left
	a.label("send")                    //
	a.movImm(xAX, s.sendto)            // mov eax, SYS_sendto
	a.op(0x89, 0xdf)                   // mov edi, ebx: the socket
	a.op(0x48, 0x89, 0xee)             // mov rsi, rbp
	a.op(0x44, 0x89, 0xe2)             // mov edx, r12d
	a.movImm(xR10, msgNoSignal)        // mov r10d, MSG_NOSIGNAL
	a.op(0x45, 0x31, 0xc0)             // xor r8d, r8d: no address
	a.op(0x45, 0x31, 0xc9)             // xor r9d, r9d: of no length
	a.op(0x0f, 0x05)                   // syscall
	a.op(0x48, 0x85, 0xc0)             // test rax, rax
	a.jcc(ccLE, "fail")                // jle fail: an error (or nothing sent)
	a.op(0x48, 0x01, 0xc5)             // add rbp, rax
	a.op(0x49, 0x29, 0xc4)             // sub r12, rax
	a.jccShort(ccNE, "send")           // jnz send: until all is sent
	a.op(0x48, 0x83, 0xec, 0x10)       // sub rsp, 16: the status line's 13 bytes and a spare
	a.op(0x48, 0x89, 0xe5)             // mov rbp, rsp: where the next byte goes
	a.op(0x4c, 0x8d, 0x64, 0x24, 0x0d) // lea r12, [rsp+13]: the spare, for every byte past the 13th
	a.label("recv")                    //
	a.movImm(xAX, s.read)              // mov eax, SYS_read
	a.op(0x89, 0xdf)                   // mov edi, ebx: the socket
	a.op(0x48, 0x89, 0xee)             // mov rsi, rbp
	a.movImm(xDX, 1)                   // mov edx, 1: a byte at a time, so as not to read past '\n'
	a.op(0x0f, 0x05)                   // syscall
	a.op(0x48, 0x83, 0xf8, 0x01)       // cmp rax, 1
	a.jcc(ccNE, "fail")                // jne fail: EOF or an error before the line ended
	a.op(0x80, 0x7d, 0x00, 0x0a)       // cmp byte [rbp], '\n'
	a.jccShort(ccE, "check")           // je check: the status line is complete
	a.op(0x4c, 0x39, 0xe5)             // cmp rbp, r12
	a.jccShort(ccE, "recv")            // je recv: at the spare, stay there
	a.op(0x48, 0xff, 0xc5)             // inc rbp
	a.jmpShort("recv")                 // jmp recv
	a.label("check")                   // compare the line with the pattern (see rodata)
	a.op(0x48, 0x89, 0xe5)             // mov rbp, rsp: the line's first byte
	a.movImm(xR12, uint32(d.pattern))  // mov r12d, pattern: its lo bytes; the spans follow
	a.label("compare")                 //
	a.op(0x8a, 0x45, 0x00)             // mov al, [rbp]: a byte of the line
	a.op(0x41, 0x2a, 0x04, 0x24)       // sub al, [r12]: minus lo
	a.op(0x41, 0x3a, 0x44, 0x24, 0x0c) // cmp al, [r12+12]: against span
	a.jcc(ccAE, "fail")                // jae fail: out of range (unsigned)
	a.op(0x48, 0xff, 0xc5)             // inc rbp
	a.op(0x49, 0xff, 0xc4)             // inc r12
	a.opImm32(loEnd, 0x41, 0x81, 0xfc) // cmp r12d, pattern+12: past the lo bytes?
	a.jccShort(ccNE, "compare")        // jne compare
	a.op(0x8a, 0x45, 0x00)             // mov al, [rbp]: the byte after the status code
	a.op(0x3c, ' ')                    // cmp al, ' '
	a.jccShort(ccE, "ok")              // je ok
	a.op(0x3c, '\r')                   // cmp al, '\r': "HTTP/1.1 200\r\n", no reason phrase
	a.jcc(ccNE, "fail")                // jne fail: a fourth digit, or garbage
}
