package frontend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/grpcerrors"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestWrapfSurvivesTheGateway sends a wrapped BuildKit error the way the
// gateway does (ToGRPC in the frontend, FromGRPC in buildkitd): the
// message in front must arrive, and so must the error's source location.
// fmt.Errorf's %w loses the message (the first case shows it).
func TestWrapfSurvivesTheGateway(t *testing.T) {
	src := &errdefs.Source{Info: &pb.SourceInfo{Filename: "Slimfile"}, Ranges: []*pb.Range{{Start: &pb.Position{Line: 5}}}}
	fromBuildKit := func() error {
		// An error as a solve returns it to the frontend: a gRPC status
		// with a source location among its details.
		sent := grpcerrors.ToGRPC(context.Background(), errdefs.WithSource(status.Error(codes.Unknown, `"/leak": not found`), src))
		return grpcerrors.FromGRPC(sent)
	}
	across := func(err error) error { return grpcerrors.FromGRPC(grpcerrors.ToGRPC(context.Background(), err)) }

	if got := across(fmt.Errorf("image.files: leak: %w", fromBuildKit())); strings.Contains(got.Error(), "image.files") {
		t.Logf("%%w now survives the gateway (%q): wrapf could go", got)
	}
	got := across(wrapf(fromBuildKit(), "image.files: %s", "leak"))
	if !strings.HasPrefix(got.Error(), "image.files: leak: ") || !strings.Contains(got.Error(), `"/leak": not found`) {
		t.Errorf("across the gateway: %q, want the message in front and BuildKit's after it", got)
	}
	if ss := errdefs.Sources(got); len(ss) != 1 || ss[0].Ranges[0].Start.Line != 5 {
		t.Errorf("the source location did not survive: %v", ss)
	}
	if wrapf(nil, "x") != nil {
		t.Error("wrapf(nil) is not nil")
	}
	inner := errors.New("inner")
	if !errors.Is(wrapf(inner, "x"), inner) {
		t.Error("wrapf does not unwrap")
	}
}
