// Package derive reads a linked, stripped Go binary for Linux and finds
// every system call it can make: each system call instruction in the
// linked code, with the call number traced back to a constant, through
// the wrappers (syscall.Syscall, golang.org/x/sys/unix.Syscall, the
// runtime's own) that pass the number on, to the place that names it.
//
// Function bounds come from Go's pclntab, which stripping keeps; the code
// is decoded with golang.org/x/arch for amd64, arm64 and arm. Every site is
// taken, not only those reachable from main: the linker has already
// dropped dead code. Where a number cannot be traced (it is computed, read
// from memory, or the code is not understood), the function is reported in
// Result.Unresolved and the caller must not trust the set alone.
package derive

import (
	"bytes"
	"cmp"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sort"
	"sync"
)

// Result is what a binary can call.
type Result struct {
	// GOARCH is the binary's architecture.
	GOARCH string
	// Calls maps each system call name to the functions that make it, in
	// the order found.
	Calls map[string][]string
	// Unnamed are call numbers found that the architecture's table does
	// not name.
	Unnamed []uint64
	// Unresolved lists where a call number could not be traced.
	Unresolved []Unresolved
	// ForeignCode is set when .text holds code other than Go's: C code
	// linked in (cgo, external linking), whose system calls the analysis
	// does not read.
	ForeignCode bool
}

// Unresolved is a function whose system call number is not known.
type Unresolved struct {
	Func string
	Why  string
}

func (u Unresolved) String() string { return u.Func + ": " + u.Why }

// Names are the system calls found, sorted.
func (r *Result) Names() []string {
	names := make([]string, 0, len(r.Calls))
	for n := range r.Calls {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ErrUnsupported is returned for binaries of an architecture (or a
// format) the package does not decode.
var ErrUnsupported = errors.New("unsupported binary")

// arch is what the analysis needs to know of one architecture.
type arch struct {
	goarch string
	// regs is the number of general registers the decoder numbers.
	regs int
	// trap is where a system call instruction takes its number.
	trap loc
	// callPush is the callee's entry stack pointer minus the caller's at
	// a call (a tail jump has none).
	callPush int64
	// syscallClobbers are the registers a system call changes.
	syscallClobbers []int
	// decode decodes the instruction at pc, with the function's code
	// from pc on; it reports false when it does not understand it.
	decode func(t *text, pc uint64) (inst, bool)
	// scan reports what the bytes of a function at entry may hold
	// (scanned), erring on the side of reporting: the variables they
	// may name (scanStatic) when statics is set, and the rest when not.
	scan func(body []byte, entry uint64, statics bool, report func(scanned, uint64))
	// staticKeys are the addresses scan reports (scanStatic) for code
	// that names the variable at addr.
	staticKeys func(addr uint64) iter.Seq[uint64]
	// fixed is the instruction width of fixed-width architectures: an
	// instruction not understood is skipped (it makes every register
	// unknown); on x86 nothing after it can be decoded.
	fixed int
	// rawSyscall are the encodings of system call instructions, looked
	// for in code that does not decode.
	rawSyscall [][]byte
	// wordSize is the size of a code address in data.
	wordSize int
	// duffs are the runtime's Duff's devices, called into their middle,
	// with the register holding each one's destination; duffClobbers are
	// the registers they change.
	duffs        map[string]int
	duffClobbers []int
	names        map[uint64]string
}

// text is the code of the binary.
type text struct {
	addr uint64
	data []byte
}

// at is the code from pc to the end of the text.
func (t *text) at(pc uint64) []byte {
	if pc < t.addr || pc >= t.addr+uint64(len(t.data)) {
		return nil
	}
	return t.data[pc-t.addr:]
}

// holds reports whether addr is in the text.
func (t *text) holds(addr uint64) bool {
	return addr >= t.addr && addr-t.addr < uint64(len(t.data))
}

// word32 is the little-endian 32-bit word at pc.
func (t *text) word32(pc uint64) (uint32, bool) {
	b := t.at(pc)
	if len(b) < 4 {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b), true
}

// fn is one function of the binary.
type fn struct {
	name       string
	entry, end uint64
	// From a first pass over its code:
	calls    []uint64        // functions it calls or jumps to
	sites    bool            // it has a system call instruction
	broken   bool            // some of it did not decode
	literals map[uint64]bool // data words inside it (ARM literal pools)
}

// Binary analyses the ELF binary bin (the whole file: mapped, its sections
// are read in place).
func Binary(bin []byte) (*Result, error) {
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return nil, fmt.Errorf("%w: not an ELF file: %v", ErrUnsupported, err)
	}
	defer f.Close()
	var a *arch
	switch f.Machine {
	case elf.EM_X86_64:
		a = amd64
	case elf.EM_AARCH64:
		a = arm64
	case elf.EM_ARM:
		a = arm
	default:
		return nil, fmt.Errorf("%w: %s binaries are not decoded", ErrUnsupported, f.Machine)
	}
	ts := f.Section(".text")
	pcln := f.Section(".gopclntab")
	if ts == nil || pcln == nil {
		return nil, fmt.Errorf("%w: no .text or .gopclntab section (not a Go binary?)", ErrUnsupported)
	}
	code, err := sectionData(bin, ts)
	if err != nil {
		return nil, fmt.Errorf("reading .text: %w", err)
	}
	textAddr, foreign := ts.Addr, false
	if text, etext, ok := goText(bin, f, pcln, ts); ok {
		// Beyond the alignment padding at its end, code outside
		// runtime.text..etext is not Go's.
		textAddr, foreign = text, text != ts.Addr || ts.Addr+ts.Size-etext > 64
	}
	funcs, err := functions(bin, pcln, textAddr)
	if err != nil {
		return nil, err
	}
	an := &analysis{a: a, t: &text{addr: ts.Addr, data: code}, res: &Result{GOARCH: a.goarch, Calls: map[string][]string{}, ForeignCode: foreign},
		wrappers: map[int][]loc{}, byEntry: make(map[uint64]int, len(funcs)), callers: map[uint64][]int{}, unresolved: map[string]string{},
		globals: map[uint64]*value{}}
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC != 0 && s.Flags&elf.SHF_EXECINSTR == 0 && s.Flags&elf.SHF_WRITE != 0 {
			an.vars = append(an.vars, s)
		}
	}
	backing := make([]fn, 0, len(funcs)) // one allocation, not one a function
	an.fns = make([]*fn, 0, len(funcs))
	for _, sf := range funcs {
		if sf.entry < ts.Addr || sf.end > ts.Addr+uint64(len(code)) || sf.end <= sf.entry {
			continue
		}
		backing = append(backing, fn{name: sf.name, entry: sf.entry, end: sf.end})
		an.fns = append(an.fns, &backing[len(backing)-1])
	}
	slices.SortFunc(an.fns, func(x, y *fn) int { return cmp.Compare(x.entry, y.entry) })
	for i, g := range an.fns {
		an.byEntry[g.entry] = i
	}
	refs := map[uint64]bool{}
	for _, r := range parallel(an.fns, an.scan) {
		for _, addr := range r {
			refs[addr] = true
		}
	}
	for i, g := range an.fns {
		for _, addr := range g.calls {
			an.callers[addr] = append(an.callers[addr], i)
		}
	}
	if err := dataRefs(bin, f, an, refs); err != nil {
		return nil, err
	}
	an.run()
	an.finish(refs)
	return an.res, nil
}

// sectionData is the contents of s: a slice of bin, not a copy, unless s is
// compressed.
func sectionData(bin []byte, s *elf.Section) ([]byte, error) {
	if s.Type == elf.SHT_NOBITS {
		return nil, nil
	}
	if s.Flags&elf.SHF_COMPRESSED == 0 && s.Offset <= uint64(len(bin)) && s.FileSize <= uint64(len(bin))-s.Offset {
		return bin[s.Offset : s.Offset+s.FileSize : s.Offset+s.FileSize], nil
	}
	return s.Data()
}

// dataRefs adds to refs every code address found in the binary's data
// (function values, method tables): a wrapper whose address is taken can
// be called in ways the analysis does not see.
func dataRefs(bin []byte, f *elf.File, an *analysis, refs map[uint64]bool) error {
	for _, s := range f.Sections {
		// pclntab, typelinks and itablinks hold offsets, not addresses.
		if s.Type != elf.SHT_PROGBITS || s.Flags&elf.SHF_ALLOC == 0 || s.Flags&elf.SHF_EXECINSTR != 0 ||
			s.Name == ".gopclntab" || s.Name == ".typelink" || s.Name == ".itablink" {
			continue
		}
		b, err := sectionData(bin, s)
		if err != nil {
			return fmt.Errorf("reading %s: %w", s.Name, err)
		}
		w := an.a.wordSize
		for i := 0; i+w <= len(b); i += w {
			var v uint64
			if w == 8 {
				v = binary.LittleEndian.Uint64(b[i:])
			} else {
				v = uint64(binary.LittleEndian.Uint32(b[i:]))
			}
			if !an.t.holds(v) {
				continue // most words: no code address
			}
			if _, ok := an.byEntry[v]; ok {
				refs[v] = true
			}
		}
	}
	return nil
}

type analysis struct {
	a       *arch
	t       *text
	fns     []*fn
	byEntry map[uint64]int
	// callers maps a function's entry to the functions that call it or
	// jump to it.
	callers map[uint64][]int
	// wrappers maps a function to where it takes a system call number
	// that it passes on (its own argument registers or slots).
	wrappers   map[int][]loc
	queue      []int
	queued     map[int]bool
	res        *Result
	unresolved map[string]string
	unnamed    map[uint64]bool
	// vars are the writable data sections: where variables live.
	vars []*elf.Section
	// globals caches what each variable read as a call number can hold
	// (nil while it is being worked out).
	globals map[uint64]*value
}

// scan is the first pass over g, over its bytes rather than decoded
// instructions (decoding all of a large binary would take most of the
// time): whether it may hold a system call instruction, the functions it
// may call or jump to, and the code addresses it may take. Byte patterns
// that are not instructions only make the data flow look at g, which
// then decodes it.
func (an *analysis) scan(_ int, g *fn) (refs []uint64) {
	body := an.t.at(g.entry)[:g.end-g.entry]
	an.a.scan(body, g.entry, false, func(k scanned, addr uint64) {
		switch {
		case k == scanSite:
			g.sites = true
		case !an.t.holds(addr):
			// most byte patterns that are no instruction
		case k == scanCall:
			if addr >= g.entry && addr < g.end {
				return
			}
			if _, ok := an.byEntry[addr]; ok {
				g.calls = append(g.calls, addr)
			}
		case k == scanRef:
			if _, ok := an.byEntry[addr]; ok {
				refs = append(refs, addr)
			}
		}
	})
	slices.Sort(g.calls)
	g.calls = slices.Compact(g.calls)
	return refs
}

// parallel runs work on every function, on every CPU, and returns what it
// returned for each, in order. work may change only its own function.
func parallel[T any](fns []*fn, work func(i int, g *fn) T) []T {
	out := make([]T, len(fns))
	var wg sync.WaitGroup
	n := runtime.NumCPU()
	for c := range n {
		wg.Go(func() {
			for i := c * len(fns) / n; i < (c+1)*len(fns)/n; i++ {
				out[i] = work(i, fns[i])
			}
		})
	}
	wg.Wait()
	return out
}

// scanned is what a byte scan reports.
type scanned uint8

const (
	scanSite   scanned = iota // a system call instruction, perhaps
	scanCall                  // a call or jump to addr, perhaps
	scanRef                   // the code address addr taken, perhaps
	scanStatic                // an address in page addr named, perhaps
)

// literalsOf finds the data words of g (ARM literal pools), which the
// decoder must skip.
func (an *analysis) literalsOf(g *fn) {
	if g.literals != nil || an.a.fixed == 0 {
		return
	}
	g.literals = map[uint64]bool{}
	for pc := g.entry; pc < g.end; pc += uint64(an.a.fixed) {
		if in, ok := an.a.decode(an.t, pc); ok && in.literal != 0 {
			g.literals[in.literal] = true
			if an.a.wordSize == 8 {
				g.literals[in.literal+4] = true
			}
		}
	}
}

// staticsOf is the functions that may name the variable at addr, in
// order: found by a byte scan of the whole binary for what the
// architecture's code holds of such an address (staticKeys: a page on
// arm64, whose ADRP names pages).
func (an *analysis) staticsOf(addr uint64) []int {
	keys := slices.Collect(an.a.staticKeys(addr))
	names := parallel(an.fns, func(_ int, g *fn) (names bool) {
		body := an.t.at(g.entry)[:g.end-g.entry]
		an.a.scan(body, g.entry, true, func(_ scanned, a uint64) {
			names = names || slices.Contains(keys, a)
		})
		return names
	})
	var fs []int
	for i, n := range names {
		if n {
			fs = append(fs, i)
		}
	}
	return fs
}

// each decodes g's instructions in order. Instructions that do not decode
// mark g broken; on fixed-width architectures they are passed on as
// instructions that make every register unknown.
func (an *analysis) each(g *fn, visit func(*inst)) {
	an.literalsOf(g)
	for pc := g.entry; pc < g.end; {
		if g.literals[pc] {
			pc += 4
			continue
		}
		in, ok := an.a.decode(an.t, pc)
		if !ok {
			g.broken = true
			if an.a.fixed == 0 {
				return
			}
			in = inst{pc: pc, size: uint64(an.a.fixed), clobberStack: true}
			for r := range an.a.regs {
				in.writes = append(in.writes, write{dst: reg(r), src: fromUnknown})
			}
		}
		if pc+in.size > g.end {
			in.size = g.end - pc
		}
		if in.flow == call && len(an.a.duffs) > 0 {
			if d := an.fnAt(in.target); d != nil {
				if dst, ok := an.a.duffs[d.name]; ok {
					in.flow, in.duffDst = duffCall, dst
				}
			}
		}
		visit(&in)
		pc += in.size
	}
}

// decoded is g's instructions (each), in a slice sized for a typical
// instruction length.
func (an *analysis) decoded(g *fn) []inst {
	insts := make([]inst, 0, (g.end-g.entry)/4+1)
	an.each(g, func(in *inst) { insts = append(insts, *in) })
	return insts
}

// fnAt is the function whose code holds pc, or nil.
func (an *analysis) fnAt(pc uint64) *fn {
	i, found := slices.BinarySearchFunc(an.fns, pc, func(g *fn, pc uint64) int {
		switch {
		case g.end <= pc:
			return -1
		case g.entry > pc:
			return 1
		}
		return 0
	})
	if !found {
		return nil
	}
	return an.fns[i]
}

func (an *analysis) enqueue(i int) {
	if an.queued == nil {
		an.queued = map[int]bool{}
	}
	if !an.queued[i] {
		an.queued[i] = true
		an.queue = append(an.queue, i)
	}
}

// run traces call numbers until no new wrapper is found.
func (an *analysis) run() {
	for i, g := range an.fns {
		if g.sites {
			an.enqueue(i)
		}
	}
	// In rounds: the data flow of every queued function runs in
	// parallel, reading the wrappers found so far; what it finds is then
	// taken in order, which may queue the callers of new wrappers.
	for len(an.queue) > 0 {
		batch := an.queue
		an.queue = nil
		for _, i := range batch {
			an.queued[i] = false
		}
		// Decoding stays in one goroutine: arm64asm and armasm take
		// decodeMu at every instruction.
		code := make([][]inst, len(batch))
		for k, i := range batch {
			code[k] = an.decoded(an.fns[i])
		}
		found := make([][]finding, len(batch))
		var wg sync.WaitGroup
		next := make(chan int)
		for range min(runtime.NumCPU(), len(batch)) {
			wg.Go(func() {
				for k := range next {
					found[k] = an.function(batch[k], code[k])
				}
			})
		}
		for k := range batch {
			next <- k
		}
		close(next)
		wg.Wait()
		for k, fs := range found {
			for _, f := range fs {
				an.found(batch[k], f.v, f.why)
			}
		}
	}
}

// finding is the value of a call number at one place of a function, and
// what to say if it is unknown.
type finding struct {
	v   value
	why string
}

// relays are functions whose system call number is read from memory that
// only a wrapper writes, with the number that wrapper also calls itself.
var relays = map[string]bool{
	// runtime.syscall_runtime_doAllThreadsSyscall (syscall.AllThreadsSyscall,
	// Setuid, ...) makes its call, then has every other thread make the
	// same one from its signal handler.
	"runtime.runPerThreadSyscall": true,
}

// function runs the data flow over fns[i], decoded as insts, and returns
// what reaches its system call instructions and its calls of wrappers. It
// only reads the analysis, so that functions can be analysed in parallel.
func (an *analysis) function(i int, insts []inst) []finding {
	g := an.fns[i]
	var found []finding
	flowFunction(an.a, g, insts, func(in *inst, s *state) {
		switch in.flow {
		case syscallInst:
			found = append(found, finding{s.get(an.a.trap), "its system call number is computed or read from memory"})
		case call, jump, branch:
			if in.target >= g.entry && in.target < g.end {
				return
			}
			w, ok := an.byEntry[in.target]
			if !ok {
				return
			}
			push := int64(0)
			if in.flow == call {
				push = an.a.callPush
			}
			for _, p := range an.wrappers[w] {
				l := p
				if l.stack {
					if s.spLost {
						found = append(found, finding{unknown, "the stack pointer is not known where it calls " + an.fns[w].name})
						continue
					}
					l.n += s.sp + push
				}
				found = append(found, finding{s.get(l), "the system call number it passes to " + an.fns[w].name + " is computed or read from memory"})
			}
		}
	}, nil)
	return found
}

// found handles the value v of a call number in fns[i].
func (an *analysis) found(i int, v value, why string) {
	g := an.fns[i]
	if v.unknown && relays[g.name] {
		v.unknown = false
	}
	for _, addr := range v.globals {
		gv := an.global(addr)
		if gv.arg != nil {
			gv = unknown
		}
		an.found(i, gv, fmt.Sprintf("its system call number is read from a variable (at %#x) that is set to what cannot be traced", addr))
	}
	for _, c := range v.consts {
		an.add(c, g.name)
	}
	if v.arg != nil && !slices.Contains(an.wrappers[i], *v.arg) {
		an.wrappers[i] = append(an.wrappers[i], *v.arg)
		for _, c := range an.callers[g.entry] {
			an.enqueue(c)
		}
	}
	if v.unknown {
		if _, ok := an.unresolved[g.name]; !ok {
			an.unresolved[g.name] = why
		}
	}
}

func (an *analysis) add(c uint64, where string) {
	name, ok := an.a.names[c]
	if !ok {
		if an.unnamed == nil {
			an.unnamed = map[uint64]bool{}
		}
		an.unnamed[c] = true
		return
	}
	fs := an.res.Calls[name]
	if !slices.Contains(fs, where) {
		fs = append(fs, where)
	}
	an.res.Calls[name] = fs
}

// finish reports what the data flow cannot see: wrappers whose address is
// taken, and code that did not decode but may make or pass on calls.
func (an *analysis) finish(refs map[uint64]bool) {
	for w := range an.wrappers {
		if refs[an.fns[w].entry] {
			an.unresolved[an.fns[w].name] = "it passes on a system call number, and its address is taken: calls through it are not seen"
		}
	}
	for _, g := range an.fns {
		if !g.broken || an.a.fixed != 0 {
			continue
		}
		body := an.t.at(g.entry)[:g.end-g.entry]
		for _, p := range an.a.rawSyscall {
			if containsBytes(body, p) {
				an.unresolved[g.name] = "it holds code the decoder does not understand, and a system call instruction"
			}
		}
		for w := range an.wrappers {
			if x86CallsTo(body, g.entry, an.fns[w].entry) {
				an.unresolved[g.name] = "it holds code the decoder does not understand, and calls " + an.fns[w].name
			}
		}
	}
	for n, why := range an.unresolved {
		an.res.Unresolved = append(an.res.Unresolved, Unresolved{Func: n, Why: why})
	}
	slices.SortFunc(an.res.Unresolved, func(x, y Unresolved) int {
		if x.Func < y.Func {
			return -1
		}
		if x.Func > y.Func {
			return 1
		}
		return 0
	})
	for c := range an.unnamed {
		an.res.Unnamed = append(an.res.Unnamed, c)
	}
	slices.Sort(an.res.Unnamed)
}

func containsBytes(b, p []byte) bool {
	for i := 0; i+len(p) <= len(b); i++ {
		if string(b[i:i+len(p)]) == string(p) {
			return true
		}
	}
	return false
}

// x86CallsTo reports whether the code at entry holds a CALL or JMP rel32
// to target, at any byte offset.
func x86CallsTo(b []byte, entry, target uint64) bool {
	for i := 0; i+5 <= len(b); i++ {
		if b[i] != 0xe8 && b[i] != 0xe9 {
			continue
		}
		rel := int64(int32(binary.LittleEndian.Uint32(b[i+1:])))
		if uint64(int64(entry)+int64(i)+5+rel) == target {
			return true
		}
	}
	return false
}

// global is what the variable at addr can hold: its initial value and
// every value stored to it by a function that names its address. A store
// of something unknown, or a variable that is not in a writable data
// section, makes it unknown.
func (an *analysis) global(addr uint64) value {
	if v, ok := an.globals[addr]; ok {
		if v == nil {
			return unknown // it depends on itself
		}
		return *v
	}
	an.globals[addr] = nil
	v := an.initial(addr)
	for _, i := range an.staticsOf(addr) {
		insts := an.decoded(an.fns[i])
		may, escapes := mayStore(insts, addr)
		if escapes {
			v = unknown
			break
		}
		if !may {
			continue
		}
		flowFunction(an.a, an.fns[i], insts, nil, func(at uint64, sv value) {
			if at != addr {
				return
			}
			// A variable set from another one can hold what that one holds.
			resolved := value{consts: sv.consts, arg: sv.arg, unknown: sv.unknown}
			for _, g := range sv.globals {
				resolved = merge(resolved, an.global(g))
			}
			v = merge(v, resolved)
		})
	}
	if v.arg != nil {
		v = unknown
	}
	an.globals[addr] = &v
	return v
}

// initial is the value the variable at addr starts with.
func (an *analysis) initial(addr uint64) value {
	w := uint64(an.a.wordSize)
	for _, s := range an.vars {
		if addr < s.Addr || addr+w > s.Addr+s.Size {
			continue
		}
		if s.Type == elf.SHT_NOBITS {
			return constant(0)
		}
		b := make([]byte, w)
		if _, err := s.ReadAt(b, int64(addr-s.Addr)); err != nil {
			return unknown
		}
		if w == 8 {
			return constant(binary.LittleEndian.Uint64(b))
		}
		return constant(uint64(binary.LittleEndian.Uint32(b)))
	}
	return unknown
}

// Exists reports whether name is a system call of linux/goarch (false
// for architectures the package does not decode).
func Exists(goarch, name string) bool { return callNames[goarch][name] }

// callNames are the names of each architecture's table.
var callNames = func() map[string]map[string]bool {
	m := map[string]map[string]bool{}
	for _, a := range []*arch{amd64, arm64, arm} {
		m[a.goarch] = map[string]bool{}
		for _, n := range a.names {
			m[a.goarch][n] = true
		}
	}
	return m
}()

// mayStore reports whether the decoded instructions may store to the
// variable at addr (so that the data flow must look at them), and whether
// they take its address (LEA), which then escapes where the analysis
// cannot follow. Stores to a known address (x86) must name it; stores
// through a register (ARM) count when a linear pass over the code (the
// constants loaded and added up in registers) finds addr as the address
// of a store, or computed at all.
func mayStore(insts []inst, addr uint64) (may, escapes bool) {
	regs := map[int64]uint64{}
	for _, in := range insts {
		if in.ref == addr && in.literal == 0 {
			return true, true
		}
		for _, st := range in.stores {
			if !st.hasBase && st.addr == addr {
				return true, false
			}
			if base, ok := regs[int64(st.base)]; st.hasBase && ok && base+uint64(st.off) == addr {
				return true, false
			}
		}
		for _, w := range in.writes {
			if w.dst.stack {
				continue
			}
			switch {
			case w.src.kind == opConst:
				regs[w.dst.n] = w.src.c
			case w.src.kind == opAdd:
				if base, ok := regs[w.src.l.n]; ok {
					regs[w.dst.n] = base + w.src.c
				} else {
					delete(regs, w.dst.n)
				}
			default:
				delete(regs, w.dst.n)
			}
			if v, ok := regs[w.dst.n]; ok && v == addr {
				return true, false // the address itself, in a register
			}
		}
		if in.flow == call || in.flow == indirectCall {
			clear(regs)
		}
	}
	return false, false
}
