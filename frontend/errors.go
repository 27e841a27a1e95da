package frontend

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/grpcerrors"
	"google.golang.org/grpc/status"

	"github.com/slimfile/slimfile/spec"
)

// recovered, deferred, turns a panic of the calling goroutine into an
// error in *err: no input may crash the frontend, which would end the
// build with "exit code: 2" and nothing else. The stack goes to the
// frontend's stderr, which BuildKit logs.
func recovered(err *error) {
	if r := recover(); r != nil {
		fmt.Fprintf(os.Stderr, "slimfile: panic: %v\n%s", r, debug.Stack())
		*err = fmt.Errorf("internal error in the Slimfile frontend (please report it, with the Slimfile): %v", r)
	}
}

// spawn runs fn in a goroutine of its own and returns a function that
// waits for it and returns its error: a panic in fn becomes that error
// (recovered), never a crash of the frontend. Every goroutine of the
// frontend is started here (TestGoroutinesRecover).
func spawn(fn func() error) (wait func() error) {
	done := make(chan struct{})
	var err error
	go func() {
		defer close(done)
		defer recovered(&err)
		err = fn()
	}()
	return func() error {
		<-done
		return err
	}
}

// sourceError attaches each spec error's Slimfile range as a BuildKit
// source location, so buildctl and buildx print the offending lines; an
// error a value caused (spec.ValueError) gets that value's range.
func sourceError(err error, src *dockerui.Source) error {
	es := specErrors(err)
	if len(es) == 0 {
		var ve *spec.ValueError
		if errors.As(err, &ve) {
			return withRange(err, src, ve.Range)
		}
		return err
	}
	msg := es.Error()
	if len(es) > 1 {
		msg = fmt.Sprintf("%d problems in %s:\n%s", len(es), src.Filename, msg)
	}
	out := errors.New(msg)
	for i := len(es) - 1; i >= 0; i-- {
		out = withRange(out, src, es[i].Range)
	}
	return out
}

// specErrors are the Slimfile errors, with their positions, that err holds
// (none when it holds no spec.Errors or spec.Error).
func specErrors(err error) spec.Errors {
	var es spec.Errors
	if errors.As(err, &es) {
		return es
	}
	var e *spec.Error
	if errors.As(err, &e) {
		return spec.Errors{e}
	}
	return nil
}

// withRange attaches one Slimfile range to err.
func withRange(err error, src *dockerui.Source, r spec.Range) error {
	if src == nil || src.SourceMap == nil {
		return err
	}
	return errdefs.WithSource(err, &errdefs.Source{
		Info: &pb.SourceInfo{
			Filename:   src.Filename,
			Data:       src.Data,
			Language:   src.Language,
			Definition: src.Definition.ToPB(),
		},
		Ranges: []*pb.Range{pbRange(r)},
	})
}

func pbRange(r spec.Range) *pb.Range {
	end := r.EndColumn
	if end < r.Column {
		end = r.Column
	}
	return &pb.Range{
		Start: &pb.Position{Line: int32(r.Line), Character: int32(r.Column - 1)},
		End:   &pb.Position{Line: int32(r.EndLine), Character: int32(end - 1)},
	}
}

// contextError is err with what the frontend was doing in front of its
// message. fmt.Errorf's %w is not enough for an error that came back from
// BuildKit (a solve, a read, a resolve): it carries a gRPC status, and the
// gateway sends the innermost status it finds, whose message is BuildKit's
// alone. contextError has a status of its own, with the whole message and
// err's code, and still unwraps to err (its source locations and other
// details go along).
type contextError struct {
	msg string
	err error
}

func (e *contextError) Error() string { return e.msg + ": " + e.err.Error() }
func (e *contextError) Unwrap() error { return e.err }

func (e *contextError) GRPCStatus() *status.Status {
	return status.New(grpcerrors.Code(e.err), e.Error())
}

// wrapf is err with a message in front, as fmt.Errorf("...: %w") would
// give, that survives the gateway (contextError).
func wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &contextError{msg: fmt.Sprintf(format, args...), err: err}
}
