package probe

import (
	"debug/elf"
	"encoding/binary"
)

// arch386 is 32-bit x86 (GOARCH 386), which also runs on x86-64 kernels
// with IA-32 emulation.
var arch386 = arch{
	machine: elf.EM_386,
	class:   elf.ELFCLASS32,
	order:   binary.LittleEndian,
	program: i386Program,
}

// System call numbers (arch/x86/entry/syscalls/syscall_32.tbl). The socket
// calls are the direct ones of Linux 4.3 on, not socketcall.
var i386Sys = sysnums{read: 3, rtSigaction: 174, rtSigprocmask: 175, setitimer: 104, socket: 359, connect: 362, sendto: 369, exitGroup: 252}

// i386Program: int 0x80 takes the number in eax and the arguments in ebx,
// ecx, edx, esi, edi, ebp, returns in eax (-errno on failure) and keeps
// every other register. From socket on, ebx holds the socket, the first
// argument of every call after it.
func i386Program(asm *asm, d *rodata) {
	a, s := x86{asm}, i386Sys

	a.label("fail")                    // the SIGALRM handler, and where every failure jumps
	a.movImm(xBX, 1)                   // mov ebx, 1: exit status
	a.label("exit")                    //
	a.movImm(xAX, s.exitGroup)         // mov eax, SYS_exit_group
	a.op(0xcd, 0x80)                   // int 0x80
	a.label("entry")                   //
	a.movImm(xAX, s.rtSigaction)       // mov eax, SYS_rt_sigaction
	a.movImm(xBX, sigalrm)             // mov ebx, SIGALRM
	a.movImm(xCX, uint32(d.sigaction)) // mov ecx, sigaction
	a.op(0x31, 0xd2)                   // xor edx, edx: no old action
	a.movImm(xSI, sigsetSize)          // mov esi, 8: sizeof(sigset_t)
	a.op(0xcd, 0x80)                   // int 0x80
	a.op(0x85, 0xc0)                   // test eax, eax
	a.jcc(ccNE, "fail")                // jnz fail
	a.movImm(xAX, s.rtSigprocmask)     // mov eax, SYS_rt_sigprocmask
	a.movImm(xBX, sigUnblock)          // mov ebx, SIG_UNBLOCK
	a.movImm(xCX, uint32(d.sigset))    // mov ecx, sigset: {SIGALRM}
	a.op(0x31, 0xd2)                   // xor edx, edx: no old set
	a.movImm(xSI, sigsetSize)          // mov esi, 8: sizeof(sigset_t)
	a.op(0xcd, 0x80)                   // int 0x80
	a.op(0x85, 0xc0)                   // test eax, eax
	a.jcc(ccNE, "fail")                // jnz fail
	a.movImm(xAX, s.setitimer)         // mov eax, SYS_setitimer
	a.op(0x31, 0xdb)                   // xor ebx, ebx: ITIMER_REAL
	a.movImm(xCX, uint32(d.itimer))    // mov ecx, itimer
	a.op(0x31, 0xd2)                   // xor edx, edx: no old value
	a.op(0xcd, 0x80)                   // int 0x80
	a.op(0x85, 0xc0)                   // test eax, eax
	a.jcc(ccNE, "fail")                // jnz fail: no timer, no probe
	a.movImm(xAX, s.socket)            // mov eax, SYS_socket
	a.movImm(xBX, d.family)            // mov ebx, AF_INET or AF_INET6
	a.movImm(xCX, sockStream)          // mov ecx, SOCK_STREAM
	a.op(0x31, 0xd2)                   // xor edx, edx: protocol 0
	a.op(0xcd, 0x80)                   // int 0x80
	a.op(0x89, 0xc3)                   // mov ebx, eax: the socket (an error makes connect fail)
	a.movImm(xAX, s.connect)           // mov eax, SYS_connect
	a.movImm(xCX, uint32(d.sockaddr))  // mov ecx, sockaddr
	a.movImm(xDX, d.sockaddrLen)       // mov edx, sizeof(sockaddr)
	a.op(0xcd, 0x80)                   // int 0x80
	a.op(0x85, 0xc0)                   // test eax, eax
	a.jcc(ccNE, "fail")                // jnz fail: refused, unreachable
	if d.http() {
		i386HTTP(a, d)
	}
	a.label("ok")    //
	a.op(0x31, 0xdb) // xor ebx, ebx: exit status 0
	a.jmp("exit")    // jmp exit
}

// i386HTTP sends the request and checks the status line; it falls through
// to "ok" when the status is 2xx or 3xx.
func i386HTTP(a x86, d *rodata) {
	s := i386Sys
	loEnd := uint32(d.pattern + patternLen) // the address past the lo bytes

	a.movImm(xCX, uint32(d.request)) // mov ecx, request: the next byte to send
	a.movImm(xDX, d.requestLen)      // mov edx, len: bytes left
	a.movImm(xSI, msgNoSignal)       // mov esi, MSG_NOSIGNAL
	a.op(0x31, 0xff)                 // xor edi, edi: no address
	a.op(0x31, 0xed)                 // xor ebp, ebp: of no length
	a.label("send")                  //
	a.movImm(xAX, s.sendto)          // mov eax, SYS_sendto
	a.op(0xcd, 0x80)                 // int 0x80
	a.op(0x85, 0xc0)                 // test eax, eax
	a.jcc(ccLE, "fail")              // jle fail: an error (or nothing sent)
	a.op(0x01, 0xc1)                 // add ecx, eax
	a.op(0x29, 0xc2)                 // sub edx, eax
	a.jccShort(ccNE, "send")         // jnz send: until all is sent
	a.op(0x83, 0xec, 0x10)           // sub esp, 16: the status line's 13 bytes and a spare
	a.op(0x89, 0xe1)                 // mov ecx, esp: where the next byte goes
	a.op(0x8d, 0x74, 0x24, 0x0d)     // lea esi, [esp+13]: the spare, for every byte past the 13th
	a.movImm(xDX, 1)                 // mov edx, 1: a byte at a time, so as not to read past '\n'
	a.label("recv")                  //
	a.movImm(xAX, s.read)            // mov eax, SYS_read
	a.op(0xcd, 0x80)                 // int 0x80
	a.op(0x83, 0xf8, 0x01)           // cmp eax, 1
	a.jcc(ccNE, "fail")              // jne fail: EOF or an error before the line ended
	a.op(0x80, 0x39, 0x0a)           // cmp byte [ecx], '\n'
	a.jccShort(ccE, "check")         // je check: the status line is complete
	a.op(0x39, 0xf1)                 // cmp ecx, esi
	a.jccShort(ccE, "recv")          // je recv: at the spare, stay there
	a.op(0x41)                       // inc ecx
	a.jmpShort("recv")               // jmp recv
	a.label("check")                 // compare the line with the pattern (see rodata)
	a.op(0x89, 0xe1)                 // mov ecx, esp: the line's first byte
	a.movImm(xDX, uint32(d.pattern)) // mov edx, pattern: its lo bytes; the spans follow
	a.label("compare")               //
	a.op(0x8a, 0x01)                 // mov al, [ecx]: a byte of the line
	a.op(0x2a, 0x02)                 // sub al, [edx]: minus lo
	a.op(0x3a, 0x42, 0x0c)           // cmp al, [edx+12]: against span
	a.jcc(ccAE, "fail")              // jae fail: out of range (unsigned)
	a.op(0x41)                       // inc ecx
	a.op(0x42)                       // inc edx
	a.opImm32(loEnd, 0x81, 0xfa)     // cmp edx, pattern+12: past the lo bytes?
	a.jccShort(ccNE, "compare")      // jne compare
	a.op(0x8a, 0x01)                 // mov al, [ecx]: the byte after the status code
	a.op(0x3c, ' ')                  // cmp al, ' '
	a.jccShort(ccE, "ok")            // je ok
	a.op(0x3c, '\r')                 // cmp al, '\r': "HTTP/1.1 200\r\n", no reason phrase
	a.jcc(ccNE, "fail")              // jne fail: a fourth digit, or garbage
}
