package derive

import (
	"cmp"
	"maps"
	"slices"
)

// The analysis works on a small intermediate form that each architecture's
// decoder produces: for every instruction, what it writes (registers and
// stack slots, each from a constant, another location or nothing known),
// how it moves the stack pointer, and where control goes. A forward data
// flow over a function's basic blocks then tells, at each system call
// instruction and each call, what the register or stack slot that holds a
// system call number can contain: constants, the function's own incoming
// argument (the function is then a wrapper whose callers are looked at),
// or something unknown (the binary then falls back to the generic list).

// loc is a register or a stack slot. A stack slot's offset is relative to
// the stack pointer at the function's entry.
type loc struct {
	stack bool
	n     int64 // register number, or stack offset
}

func reg(n int) loc { return loc{n: int64(n)} }

// compareLocs orders registers before stack slots, each by number.
func compareLocs(a, b loc) int {
	if a.stack != b.stack {
		if a.stack {
			return 1
		}
		return -1
	}
	return cmp.Compare(a.n, b.n)
}

// maxConsts bounds the constants one value may hold before it is unknown.
const maxConsts = 16

// value is what a location may hold at a point of a function: any of a set
// of constants, the location's value at the function's entry (arg), or
// something not known.
type value struct {
	consts []uint64
	arg    *loc
	// globals are addresses of variables whose value (at that point) it
	// is: resolved later from the variable's initial value and every
	// store to it (analysis.global).
	globals []uint64
	unknown bool
}

func constant(c uint64) value { return value{consts: []uint64{c}} }

var unknown = value{unknown: true}

func (v value) equal(w value) bool {
	if v.unknown || w.unknown {
		return v.unknown == w.unknown
	}
	if (v.arg == nil) != (w.arg == nil) || (v.arg != nil && *v.arg != *w.arg) {
		return false
	}
	return slices.Equal(v.consts, w.consts) && slices.Equal(v.globals, w.globals)
}

// merge is what a location holds where two paths join.
func merge(v, w value) value {
	if v.unknown || w.unknown {
		return unknown
	}
	if v.arg != nil && w.arg != nil && *v.arg != *w.arg {
		return unknown
	}
	r := value{arg: v.arg}
	if r.arg == nil {
		r.arg = w.arg
	}
	r.consts = union(v.consts, w.consts)
	r.globals = union(v.globals, w.globals)
	if len(r.consts) > maxConsts || len(r.globals) > maxConsts {
		return unknown
	}
	return r
}

// union is the sorted union of two sorted sets.
func union(a, b []uint64) []uint64 {
	if len(b) == 0 {
		return a
	}
	r := slices.Clone(a)
	for _, c := range b {
		if !slices.Contains(r, c) {
			r = append(r, c)
		}
	}
	slices.Sort(r)
	return r
}

// single is the one constant v holds, if it holds exactly one.
func (v value) single() (uint64, bool) {
	if v.unknown || v.arg != nil || len(v.globals) > 0 || len(v.consts) != 1 {
		return 0, false
	}
	return v.consts[0], true
}

// operand is the source of a write: a constant, a location (registers
// as they are, stack slots relative to the current stack pointer), or
// nothing known.
type operand struct {
	kind opKind
	c    uint64
	l    loc
	// mask keeps the low bits of a location's constants (32-bit loads and
	// moves); zero keeps all.
	mask uint64
}

type opKind uint8

const (
	opUnknown opKind = iota
	opConst
	opLoc
	// opGlobal reads the variable at address c; opMem reads memory at
	// register l plus c, a variable when l holds an address constant.
	opGlobal
	opMem
	// opAdd is register l plus c (address arithmetic).
	opAdd
)

func fromConst(c uint64) operand     { return operand{kind: opConst, c: c} }
func fromLoc(l loc) operand          { return operand{kind: opLoc, l: l} }
func fromGlobal(addr uint64) operand { return operand{kind: opGlobal, c: addr} }
func fromAdd(r int, c int64) operand { return operand{kind: opAdd, l: reg(r), c: uint64(c)} }
func fromMem(base int, off int64) operand {
	return operand{kind: opMem, l: reg(base), c: uint64(off)}
}

var fromUnknown = operand{}

// write is one effect of an instruction.
type write struct {
	dst loc
	src operand
}

// flow is how an instruction passes control on.
type flow uint8

const (
	next         flow = iota // on to the next instruction
	jump                     // to target, and nowhere else
	branch                   // to target or on
	call                     // calls target, then on
	ret                      // leaves the function
	indirectJump             // to a computed address (jump table or tail call)
	indirectCall             // calls a computed address, then on
	syscallInst              // enters the kernel, then on
	stop                     // traps (UD2, BRK): nowhere
	duffCall                 // calls into runtime.duffzero or duffcopy (ARM), then on
)

// inst is one decoded instruction in the intermediate form.
type inst struct {
	pc, size uint64
	flow     flow
	target   uint64
	// writes happen in order, with stack slots relative to the stack
	// pointer before the instruction; then the stack pointer moves by
	// spDelta, or becomes unknown when spLost.
	writes  []write
	spDelta int64
	spLost  bool
	// cond is set for a conditionally executed instruction (ARM): each
	// write may or may not happen.
	cond bool
	// clobberStack is set for a store through a pointer, which may land on
	// any slot of the function's frame.
	clobberStack bool
	// addrOf is set when the address of a stack slot (relative to the
	// stack pointer) is taken: when it is an incoming argument slot, a
	// callee could write it.
	addrOf *int64
	// addrReg is the register that receives that address, if any.
	addrReg *int
	// duffDst is the register holding the destination of a duffCall.
	duffDst int
	// literal is the address of a data word in the code that the
	// instruction loads (ARM literal pools): it is not an instruction.
	literal uint64
	// ref is a code address the instruction takes (LEA, ADR), or zero.
	ref uint64
	// stores are writes to memory that is not the stack: to a variable at
	// a known address, or through a register (a variable when it holds an
	// address constant, else anywhere: the frame is then forgotten).
	stores []store
}

// store is a write of src to the variable at addr, or to register base
// plus off when hasBase.
type store struct {
	addr    uint64
	base    int
	hasBase bool
	off     int64
	src     operand
}

// state is what every location holds at a point of a function.
type state struct {
	// vals are the locations written, sorted by location (compareLocs):
	// a state is cloned and joined at every block, which a map would make
	// most of the analysis's time.
	vals []slot
	// unknownRegs are the registers (numbered below 64) that hold nothing
	// known, after calls mostly: they have no entry in vals, which keeps
	// states small.
	unknownRegs uint64
	sp          int64 // stack pointer, relative to entry
	// spLost is set when the stack pointer is not known: every stack slot
	// is then unknown.
	spLost bool
	// lostFrom makes the slots of the incoming argument area (at and
	// above the entry stack pointer) from this offset on unknown, unless
	// the function wrote them itself: a callee or a store through a
	// pointer may have written them, once the address of an incoming
	// argument was taken (taken). Go checks indexes, so a pointer to an
	// argument reaches only that argument and what lies above it.
	lostFrom int64
	// taken are the offsets of incoming argument slots whose address was
	// taken.
	taken []int64
	// stackAddrs are registers holding the address of a stack slot (an
	// entry-relative offset), for what runtime.duffcopy and duffzero write.
	stackAddrs map[int]int64
}

// slot is what the location l holds.
type slot struct {
	l loc
	v value
}

// noneLost is lostFrom when no incoming slot is lost.
const noneLost = int64(1) << 62

func entryState() *state { return &state{lostFrom: noneLost} }

func (s *state) clone() *state {
	c := *s
	// Room for a few more locations: a block usually writes some.
	c.vals = append(make([]slot, 0, len(s.vals)+4), s.vals...)
	c.taken = slices.Clone(s.taken)
	c.stackAddrs = maps.Clone(s.stackAddrs)
	return &c
}

// copyOf makes s a copy of o, reusing the room s has.
func (s *state) copyOf(o *state) {
	vals := append(s.vals[:0], o.vals...)
	*s = *o
	s.vals = vals
	s.taken = slices.Clone(o.taken)
	s.stackAddrs = maps.Clone(o.stackAddrs)
}

// get is what l holds. Locations never written hold their entry value;
// slots of the function's own frame hold nothing known until written.
func (s *state) get(l loc) value {
	if i, ok := s.find(l); ok {
		return s.held(s.vals[i])
	}
	return s.unwritten(l)
}

// held is what the written location x.l holds (get, once found).
func (s *state) held(x slot) value {
	if x.l.stack && s.spLost {
		return unknown
	}
	return x.v
}

// find is where l is, or would be, in s.vals.
func (s *state) find(l loc) (int, bool) {
	return slices.BinarySearchFunc(s.vals, l, func(x slot, l loc) int { return compareLocs(x.l, l) })
}

// unwritten is what l holds when s has not written it.
func (s *state) unwritten(l loc) value {
	if l.stack && (s.spLost || l.n < 0 || l.n >= s.lostFrom) {
		return unknown
	}
	if bit, ok := regBit(l); ok && s.unknownRegs&bit != 0 {
		return unknown
	}
	e := l
	return value{arg: &e}
}

// regBit is l's bit in unknownRegs, when it has one.
func regBit(l loc) (uint64, bool) {
	if l.stack || l.n < 0 || l.n >= 64 {
		return 0, false
	}
	return 1 << l.n, true
}

func (s *state) set(l loc, v value) {
	if l.stack && s.spLost {
		return
	}
	if bit, ok := regBit(l); ok {
		if v.unknown {
			if i, ok := s.find(l); ok {
				s.vals = slices.Delete(s.vals, i, i+1)
			}
			s.unknownRegs |= bit
			return
		}
		s.unknownRegs &^= bit
	}
	if i, ok := s.find(l); ok {
		s.vals[i].v = v
	} else {
		s.vals = slices.Insert(s.vals, i, slot{l, v})
	}
}

// forget deletes the stack slots at offsets for which lost is true.
func (s *state) forget(lost func(off int64) bool) {
	s.vals = slices.DeleteFunc(s.vals, func(x slot) bool { return x.l.stack && lost(x.l.n) })
}

// operandValue is what src holds in s.
func (s *state) operandValue(src operand) value {
	switch src.kind {
	case opConst:
		return constant(src.c)
	case opGlobal:
		return value{globals: []uint64{src.c}}
	case opMem:
		if base, ok := s.get(src.l).single(); ok {
			return value{globals: []uint64{base + src.c}}
		}
		return unknown
	case opAdd:
		if base, ok := s.get(src.l).single(); ok {
			return constant(base + src.c)
		}
		return unknown
	case opLoc:
		l := src.l
		if l.stack {
			if s.spLost {
				return unknown
			}
			l.n += s.sp
		}
		v := s.get(l)
		if src.mask != 0 && !v.unknown {
			if v.arg != nil || len(v.globals) > 0 {
				return unknown
			}
			m := value{}
			for _, c := range v.consts {
				m = merge(m, constant(c&src.mask))
			}
			return m
		}
		return v
	}
	return unknown
}

// forgetFrame makes every slot of the frame unknown (a store through a
// pointer, or a call that may write its outgoing arguments), and the
// incoming slots a pointer taken to them may reach.
func (s *state) forgetFrame() {
	s.forget(func(off int64) bool { return off < 0 || slices.Contains(s.taken, off) })
	if len(s.taken) > 0 {
		s.lostFrom = min(s.lostFrom, slices.Min(s.taken))
	}
}

// clobberRegs makes every register unknown (after a call).
func (s *state) clobberRegs(regs int) {
	for r := range regs {
		if r >= 64 {
			s.set(reg(r), unknown)
			continue
		}
		s.unknownRegs |= 1 << r
	}
	s.vals = slices.DeleteFunc(s.vals, func(x slot) bool { return !x.l.stack && x.l.n >= 0 && x.l.n < int64(min(regs, 64)) })
}

func (s *state) equal(o *state) bool {
	if s.sp != o.sp || s.spLost != o.spLost || s.lostFrom != o.lostFrom || s.unknownRegs != o.unknownRegs ||
		!slices.Equal(s.taken, o.taken) || len(s.vals) != len(o.vals) {
		return false
	}
	for i, x := range s.vals {
		if y := o.vals[i]; x.l != y.l || !x.v.equal(y.v) {
			return false
		}
	}
	return true
}

// join merges o into s (where two paths meet), in r, whose vals it reuses.
func join(r, s, o *state) {
	vals := r.vals[:0]
	if n := len(s.vals) + len(o.vals); cap(vals) < n {
		vals = make([]slot, 0, n)
	}
	*r = state{vals: vals, unknownRegs: s.unknownRegs | o.unknownRegs, sp: s.sp, spLost: s.spLost || o.spLost || s.sp != o.sp,
		lostFrom: min(s.lostFrom, o.lostFrom), taken: takenUnion(s.taken, o.taken)}
	i, j := 0, 0
	for i < len(s.vals) || j < len(o.vals) {
		var l loc
		var v, w value
		switch c := compareOrEnd(s.vals, i, o.vals, j); {
		case c < 0:
			l, v, w = s.vals[i].l, s.held(s.vals[i]), o.unwritten(s.vals[i].l)
			i++
		case c > 0:
			l, v, w = o.vals[j].l, s.unwritten(o.vals[j].l), o.held(o.vals[j])
			j++
		default:
			l, v, w = s.vals[i].l, s.held(s.vals[i]), o.held(o.vals[j])
			i, j = i+1, j+1
		}
		m := merge(v, w)
		if bit, ok := regBit(l); ok && (m.unknown || r.unknownRegs&bit != 0) {
			r.unknownRegs |= bit
			continue
		}
		r.vals = append(r.vals, slot{l, m})
	}
}

// compareOrEnd compares a[i] and b[j], where a slice's end is after every
// location.
func compareOrEnd(a []slot, i int, b []slot, j int) int {
	switch {
	case i == len(a):
		return 1
	case j == len(b):
		return -1
	}
	return compareLocs(a[i].l, b[j].l)
}

// step applies one instruction to s (in place). Stores to variables at
// known addresses are passed to stored, when set.
func (s *state) step(in *inst, a *arch, stored func(addr uint64, v value)) {
	for _, st := range in.stores {
		addr := st.addr
		if st.hasBase {
			base, ok := s.get(reg(st.base)).single()
			if !ok {
				s.forgetFrame() // through a pointer: perhaps into the frame
				continue
			}
			addr = base + uint64(st.off)
		}
		if stored != nil {
			stored(addr, s.operandValue(st.src))
		}
	}
	for _, w := range in.writes {
		v := s.operandValue(w.src)
		dst := w.dst
		if dst.stack {
			if s.spLost {
				continue
			}
			dst.n += s.sp
		}
		if in.cond {
			v = merge(v, s.get(dst))
		}
		s.set(dst, v)
		if !dst.stack {
			delete(s.stackAddrs, int(dst.n))
		}
	}
	if in.addrOf != nil && (s.spLost || s.sp+*in.addrOf >= 0) {
		off := int64(0) // not known: any incoming slot
		if !s.spLost {
			off = s.sp + *in.addrOf
		}
		s.taken = takenUnion(s.taken, []int64{off})
	}
	if in.addrOf != nil && in.addrReg != nil && !s.spLost && !in.cond {
		if s.stackAddrs == nil {
			s.stackAddrs = map[int]int64{}
		}
		s.stackAddrs[*in.addrReg] = s.sp + *in.addrOf
	}
	if in.clobberStack {
		s.forgetFrame()
	}
	switch {
	case in.spLost:
		s.spLost = true
	case in.spDelta != 0:
		s.sp += in.spDelta
	}
	switch in.flow {
	case duffCall:
		// It writes upward from its destination, and changes only the
		// registers it is given.
		if off, ok := s.stackAddrs[in.duffDst]; ok {
			s.forget(func(n int64) bool { return n >= off && (n < 0 || slices.Contains(s.taken, n)) })
		} else {
			s.forgetFrame()
		}
		for _, r := range a.duffClobbers {
			s.set(reg(r), unknown)
			delete(s.stackAddrs, r)
		}
	case call, indirectCall:
		s.clobberRegs(a.regs)
		s.stackAddrs = nil
		s.forgetFrame()
	case syscallInst:
		for _, r := range a.syscallClobbers {
			s.set(reg(r), unknown)
		}
	}
}

// block is a run of instructions entered only at its first.
type block struct {
	first, last int // indexes into the instructions
	succs       []int
	in          *state
}

// flowFunction runs the data flow over g's instructions and calls visit
// with each instruction and the state before it, once the states are
// final. Edges back to the entry (the stack-growth path) are left out:
// they re-enter with the same arguments. When g has an indirect jump
// (a jump table), every block but the entry starts with nothing known
// but the stack pointer.
func flowFunction(a *arch, g *fn, insts []inst, visit func(*inst, *state), stored func(addr uint64, v value)) {
	if len(insts) == 0 {
		return
	}
	index := make(map[uint64]int, len(insts))
	for i, in := range insts {
		index[in.pc] = i
	}
	leader := make([]bool, len(insts))
	leader[0] = true
	indirect := false
	for i, in := range insts {
		switch in.flow {
		case jump, branch:
			if t, ok := index[in.target]; ok {
				leader[t] = true
			}
		case indirectJump:
			indirect = true
		}
		switch in.flow {
		case jump, branch, ret, indirectJump, stop:
			if i+1 < len(insts) {
				leader[i+1] = true
			}
		}
	}
	var blocks []*block
	blockAt := make([]int, len(insts))
	for i := range insts {
		if leader[i] {
			blocks = append(blocks, &block{first: i})
		}
		blockAt[i] = len(blocks) - 1
		blocks[len(blocks)-1].last = i
	}
	for _, b := range blocks {
		in := insts[b.last]
		add := func(i int) {
			if bi := blockAt[i]; bi != 0 {
				b.succs = append(b.succs, bi)
			}
		}
		switch in.flow {
		case jump, branch:
			if t, ok := index[in.target]; ok {
				add(t)
			}
		}
		switch in.flow {
		case jump, ret, indirectJump, stop:
		default:
			if b.last+1 < len(insts) {
				add(b.last + 1)
			}
		}
	}
	blocks[0].in = entryState()
	work := []int{0}
	onWork := map[int]bool{0: true}
	// indirectIn is the entry state of blocks a jump table may reach.
	indirectIn := func(sp *state) *state {
		s := &state{lostFrom: 0, taken: []int64{0}}
		if sp == nil {
			s.spLost = true
		} else {
			s.sp, s.spLost = sp.sp, sp.spLost
		}
		s.clobberRegs(a.regs)
		return s
	}
	// out is where a block runs: it is copied only where it becomes a
	// block's entry state, which most runs (those that end in a join) do
	// not make.
	out := &state{}
	run := func(b *block) *state {
		out.copyOf(b.in)
		for i := b.first; i <= b.last; i++ {
			out.step(&insts[i], a, nil)
		}
		return out
	}
	// joined is where joins are made: it becomes a block's entry state
	// only when that changes, and is replaced then.
	joined := &state{}
	for len(work) > 0 {
		bi := work[0]
		work = work[1:]
		onWork[bi] = false
		out := run(blocks[bi])
		for _, si := range blocks[bi].succs {
			sb := blocks[si]
			in := out
			if indirect {
				in = indirectIn(out)
			}
			if sb.in != nil {
				join(joined, sb.in, in)
				if joined.equal(sb.in) {
					continue
				}
				in, joined = joined, &state{}
			} else if in == out {
				in = out.clone()
			}
			sb.in = in
			if !onWork[si] {
				onWork[si] = true
				work = append(work, si)
			}
		}
	}
	s := &state{} // reused: visit and stored only look
	for _, b := range blocks {
		if b.in == nil { // reached only through a jump table, or not at all
			s = indirectIn(nil)
		} else {
			s.copyOf(b.in)
		}
		for i := b.first; i <= b.last; i++ {
			if visit != nil {
				visit(&insts[i], s)
			}
			s.step(&insts[i], a, stored)
		}
	}
}

// takenUnion is the sorted union of two sets of taken offsets; past
// maxConsts offsets only the lowest is kept, which covers the rest.
func takenUnion(a, b []int64) []int64 {
	r := slices.Clone(a)
	for _, o := range b {
		if !slices.Contains(r, o) {
			r = append(r, o)
		}
	}
	slices.Sort(r)
	if len(r) > maxConsts {
		r = r[:1]
	}
	return r
}
