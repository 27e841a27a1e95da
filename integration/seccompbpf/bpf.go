//go:build libseccomp

package seccompbpf

import (
	"encoding/binary"
	"fmt"
)

// Instruction is one classic BPF instruction (struct sock_filter).
type Instruction struct {
	Code   uint16
	Jt, Jf uint8
	K      uint32
}

// Action is the action part of a seccomp filter's return value
// (SECCOMP_RET_ACTION_FULL).
type Action uint32

// The actions, with the kernel's values.
const (
	ActKillProcess Action = 0x80000000
	ActKillThread  Action = 0x00000000
	ActTrap        Action = 0x00030000
	ActErrno       Action = 0x00050000
	ActNotify      Action = 0x7fc00000
	ActTrace       Action = 0x7ff00000
	ActLog         Action = 0x7ffc0000
	ActAllow       Action = 0x7fff0000
)

func (a Action) String() string {
	switch a {
	case ActKillProcess:
		return "KILL_PROCESS"
	case ActKillThread:
		return "KILL_THREAD"
	case ActTrap:
		return "TRAP"
	case ActErrno:
		return "ERRNO"
	case ActNotify:
		return "USER_NOTIF"
	case ActTrace:
		return "TRACE"
	case ActLog:
		return "LOG"
	case ActAllow:
		return "ALLOW"
	}
	return fmt.Sprintf("Action(%#x)", uint32(a))
}

// Result is what the kernel does with a system call, decoded from the
// filter's return value.
type Result struct {
	Action Action
	// Errno is the error the call fails with, for ActErrno.
	Errno int
	// Data is the return value's low 16 bits (SECCOMP_RET_DATA): the errno,
	// or what TRAP and TRACE pass on.
	Data uint16
}

func (r Result) String() string {
	if r.Action == ActErrno {
		return fmt.Sprintf("ERRNO(%d)", r.Errno)
	}
	return r.Action.String()
}

// decode turns a return value into a Result as the kernel does: an unknown
// action kills the process, an errno above MAX_ERRNO (4095) is capped.
func decode(ret uint32) Result {
	r := Result{Action: Action(ret & 0xffff0000), Data: uint16(ret)}
	switch r.Action {
	case ActKillThread, ActTrap, ActNotify, ActTrace, ActLog, ActAllow, ActKillProcess:
	case ActErrno:
		r.Errno = min(int(r.Data), 4095)
	default:
		r.Action = ActKillProcess
	}
	return r
}

// Classic BPF opcode parts (linux/filter.h).
const (
	clsLD, clsLDX, clsST, clsSTX, clsALU, clsJMP, clsRET, clsMISC = 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07

	modeIMM, modeABS, modeLEN, modeMEM = 0x00, 0x20, 0x80, 0x60
	sizeW                              = 0x00

	opADD, opSUB, opMUL, opDIV, opOR, opAND, opLSH, opRSH, opNEG, opXOR = 0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0xa0
	jmpJA, jmpJEQ, jmpJGT, jmpJGE, jmpJSET                              = 0x00, 0x10, 0x20, 0x30, 0x40

	srcK, srcX = 0x00, 0x08
	retA       = 0x10
	miscTAX    = 0x00
	miscTXA    = 0x80

	// seccompDataLen is sizeof(struct seccomp_data).
	seccompDataLen = 64
	memWords       = 16
	maxInsns       = 4096
)

// check refuses a program the kernel would refuse to load as a seccomp
// filter (bpf_check_classic and seccomp_check_filter): a bad length, an
// instruction outside the seccomp subset, a load outside struct
// seccomp_data or unaligned, a jump out of the program, a constant
// division by zero, or a last instruction that does not return.
func check(prog []Instruction) error {
	if len(prog) == 0 || len(prog) > maxInsns {
		return fmt.Errorf("%d instructions (1 to %d)", len(prog), maxInsns)
	}
	for pc, in := range prog {
		bad := func(why string) error {
			return fmt.Errorf("instruction %d (code %#04x k %#x): %s", pc, in.Code, in.K, why)
		}
		if in.Code > 0xff {
			return bad("not a classic BPF opcode")
		}
		switch cls := in.Code & 0x07; cls {
		case clsLD, clsLDX:
			switch mode := in.Code &^ 0x07; {
			case cls == clsLD && mode == modeABS|sizeW:
				if in.K >= seccompDataLen || in.K&3 != 0 {
					return bad("load outside struct seccomp_data or unaligned")
				}
			case mode == modeLEN|sizeW, mode == modeIMM:
			case mode == modeMEM:
				if in.K >= memWords {
					return bad("scratch memory index out of range")
				}
			default:
				return bad("load mode not allowed in seccomp")
			}
		case clsST, clsSTX:
			if in.Code&^0x07 != 0 || in.K >= memWords {
				return bad("bad store")
			}
		case clsALU:
			op, src := in.Code&0xf0, in.Code&0x08
			switch {
			case in.Code == clsALU|opNEG:
			case op == opADD, op == opSUB, op == opMUL, op == opOR, op == opAND, op == opXOR:
			case op == opDIV:
				if src == srcK && in.K == 0 {
					return bad("division by zero")
				}
			case op == opLSH, op == opRSH:
				if src == srcK && in.K >= 32 {
					return bad("shift by 32 or more")
				}
			default:
				return bad("ALU operation not allowed in seccomp")
			}
		case clsJMP:
			op := in.Code & 0xf0
			switch op {
			case jmpJA:
				if in.Code != clsJMP|jmpJA {
					return bad("bad jump opcode")
				}
				if uint64(in.K) >= uint64(len(prog)-pc-1) {
					return bad("jump out of the program")
				}
			case jmpJEQ, jmpJGT, jmpJGE, jmpJSET:
				if pc+int(in.Jt)+1 >= len(prog) || pc+int(in.Jf)+1 >= len(prog) {
					return bad("jump out of the program")
				}
			default:
				return bad("jump not allowed in seccomp")
			}
		case clsRET:
			if in.Code != clsRET|srcK && in.Code != clsRET|retA {
				return bad("bad return opcode")
			}
		case clsMISC:
			if in.Code != clsMISC|miscTAX && in.Code != clsMISC|miscTXA {
				return bad("bad misc opcode")
			}
		}
	}
	if last := prog[len(prog)-1]; last.Code&0x07 != clsRET {
		return fmt.Errorf("the last instruction (code %#04x) does not return", last.Code)
	}
	return nil
}

// run executes a checked program on data, a struct seccomp_data. Loads
// read 32-bit words in little-endian order, as the kernel reads them on
// the little-endian architectures this package knows; every jump is
// forward, so run ends.
func run(prog []Instruction, data *[seccompDataLen]byte) uint32 {
	var a, x uint32
	var mem [memWords]uint32
	for pc := 0; ; pc++ {
		in := prog[pc]
		operand := in.K
		if in.Code&0x08 == srcX {
			operand = x
		}
		switch in.Code & 0x07 {
		case clsLD, clsLDX:
			var v uint32
			switch in.Code &^ 0x07 {
			case modeABS | sizeW:
				v = binary.LittleEndian.Uint32(data[in.K:])
			case modeLEN | sizeW:
				v = seccompDataLen
			case modeIMM:
				v = in.K
			case modeMEM:
				v = mem[in.K]
			}
			if in.Code&0x07 == clsLD {
				a = v
			} else {
				x = v
			}
		case clsST:
			mem[in.K] = a
		case clsSTX:
			mem[in.K] = x
		case clsALU:
			switch in.Code & 0xf0 {
			case opADD:
				a += operand
			case opSUB:
				a -= operand
			case opMUL:
				a *= operand
			case opDIV:
				if operand == 0 { // the kernel ends the program with 0
					return 0
				}
				a /= operand
			case opOR:
				a |= operand
			case opAND:
				a &= operand
			case opXOR:
				a ^= operand
			case opLSH:
				a <<= operand & 31
			case opRSH:
				a >>= operand & 31
			case opNEG:
				a = -a
			}
		case clsJMP:
			var taken bool
			switch in.Code & 0xf0 {
			case jmpJA:
				pc += int(in.K)
				continue
			case jmpJEQ:
				taken = a == operand
			case jmpJGT:
				taken = a > operand
			case jmpJGE:
				taken = a >= operand
			case jmpJSET:
				taken = a&operand != 0
			}
			if taken {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case clsRET:
			if in.Code&0x18 == retA {
				return a
			}
			return in.K
		case clsMISC:
			if in.Code&0xf8 == miscTAX {
				x = a
			} else {
				a = x
			}
		}
	}
}
