package spec

import (
	"fmt"
	"reflect"
)

// Pos returns where the value that field points at was written for t, as
// its own value or one it inherited from the top level. field is a pointer
// into t: &t.Main, &t.Image.Expose[1], or &t.Build.Env with the name of one
// entry. ok is false when the value was not written (it is a default).
// A pointer to anything but a value of t's keys panics: a mistake of the
// caller's, not of the Slimfile's.
func (t *Target) Pos(field any, entry ...string) (Range, bool) {
	r, ok := t.pos[pathOf(reflect.ValueOf(t).Elem(), targetKeys, field, entry)]
	return r, ok
}

// Key is the key path of the value that field points at, such as
// "security.seccomp" or "image.files[1].src", for messages.
func (t *Target) Key(field any, entry ...string) string {
	return shortPath(pathOf(reflect.ValueOf(t).Elem(), targetKeys, field, entry), t.pos)
}

// Where is Pos, or the position of the slimfile key when the value was not
// written: where a step or a warning about the value points.
func (t *Target) Where(field any, entry ...string) Range {
	if r, ok := t.Pos(field, entry...); ok {
		return r
	}
	return t.version
}

// Pos returns where the top-level value that field points at (&f.Go,
// &f.Toolchain, &f.Module, &f.Version) was written; ok is false when it was
// not. Like Target.Pos, it panics for a pointer to anything else.
func (f *File) Pos(field any) (Range, bool) {
	r, ok := f.pos[pathOf(reflect.ValueOf(f).Elem(), fileKeys, field, nil)]
	return r, ok
}

// Where is Pos, or the position of the slimfile key when the value was not
// written.
func (f *File) Where(field any) Range {
	if r, ok := f.Pos(field); ok {
		return r
	}
	return f.pos["slimfile"]
}

// pathOf is the key path ("image.expose[1]", "build.env.GOFLAGS") of the
// value ptr points at, within the struct v of keys.
func pathOf(v reflect.Value, keys []*key, ptr any, entry []string) string {
	pv := reflect.ValueOf(ptr)
	if pv.Kind() != reflect.Pointer || pv.IsNil() {
		panic(fmt.Sprintf("spec: Pos needs a pointer to a value of the Slimfile, not %T", ptr))
	}
	p, ok := findPath(v, keys, pv, "")
	if !ok {
		panic(fmt.Sprintf("spec: Pos of a %T that is no value of the Slimfile's keys", ptr))
	}
	if len(entry) > 0 {
		if pv.Elem().Kind() != reflect.Map {
			panic("spec: Pos names an entry of a value that is not a mapping")
		}
		p += "." + entry[0]
	}
	return p
}

func findPath(v reflect.Value, keys []*key, ptr reflect.Value, prefix string) (string, bool) {
	for _, k := range keys {
		fv := v.Field(k.field)
		path := prefix + k.name
		if same(fv, ptr) {
			return path, true
		}
		switch k.kind {
		case kObject:
			if p, ok := findPath(fv, k.keys, ptr, path+"."); ok {
				return p, true
			}
		case kList, kObjects:
			for i := 0; i < fv.Len(); i++ {
				ep := fmt.Sprintf("%s[%d]", path, i)
				if same(fv.Index(i), ptr) {
					return ep, true
				}
				if k.kind == kObjects {
					if p, ok := findPath(fv.Index(i), k.keys, ptr, ep+"."); ok {
						return p, true
					}
				}
			}
		}
	}
	return "", false
}

// same reports whether ptr points at v.
func same(v, ptr reflect.Value) bool {
	return v.CanAddr() && v.Addr().Type() == ptr.Type() && v.Addr().Pointer() == ptr.Pointer()
}
