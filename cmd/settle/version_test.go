package main

import (
	"runtime/debug"
	"testing"
)

// TestVersionFromBuildInfo (issue #13.5): `settle version` says which
// commit the binary was built from, from the VCS stamp `go build` records,
// instead of "dev".
func TestVersionFromBuildInfo(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	for _, c := range []struct {
		name string
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{"checkout", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("vcs.revision", "193ea2d41537c8af9031e01a862581e723c21535", "vcs.time", "2026-11-30T19:40:50Z", "vcs.modified", "false")},
			true, "devel (commit 193ea2d41537, 2026-11-30T19:40:50Z)"},
		{"modified", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("vcs.revision", "193ea2d41537c8af", "vcs.modified", "true")},
			true, "devel (commit 193ea2d41537, with uncommitted changes)"},
		{"go install @version", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, true, "v1.4.0"},
		{"no build info", nil, false, "dev"},
	} {
		if got := versionString(c.info, c.ok); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
