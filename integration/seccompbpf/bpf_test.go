//go:build libseccomp

package seccompbpf

import "testing"

// TestRun covers what libseccomp does not emit: X, scratch memory, RET A.
func TestRun(t *testing.T) {
	var d [seccompDataLen]byte
	d[16], d[20] = 7, 1 // args[0] = 1<<32 | 7
	prog := []Instruction{
		{Code: clsLD | modeABS | sizeW, K: 20},   // A = args[0] >> 32
		{Code: clsMISC | miscTAX},                // X = A
		{Code: clsLD | modeABS | sizeW, K: 16},   // A = args[0] & 0xffffffff
		{Code: clsALU | opADD | srcX},            // A += X
		{Code: clsST, K: 3},                      // M[3] = A
		{Code: clsLD | modeLEN | sizeW},          // A = 64
		{Code: clsLDX | modeMEM, K: 3},           // X = M[3]
		{Code: clsJMP | jmpJGT | srcX, Jf: 1},    // A > X
		{Code: clsMISC | miscTXA},                // A = X
		{Code: clsALU | opOR | srcK, K: 0x50000}, // ERRNO
		{Code: clsRET | retA},
	}
	if err := check(prog); err != nil {
		t.Fatal(err)
	}
	if r := decode(run(prog, &d)); r.Action != ActErrno || r.Errno != 8 {
		t.Errorf("got %v, want ERRNO(8)", r)
	}
	for name, bad := range map[string][]Instruction{
		"unaligned load": {{Code: clsLD | modeABS | sizeW, K: 2}, {Code: clsRET}},
		"load past data": {{Code: clsLD | modeABS | sizeW, K: 64}, {Code: clsRET}},
		"jump out":       {{Code: clsJMP | jmpJEQ, Jt: 1}, {Code: clsRET}},
		"no return":      {{Code: clsLD | modeIMM}},
		"byte load":      {{Code: clsLD | modeABS | 0x10, K: 0}, {Code: clsRET}},
	} {
		if check(bad) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if r := decode(0x12345678); r.Action != ActKillProcess {
		t.Errorf("an unknown action: got %v, want KILL_PROCESS", r)
	}
}
