package main

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// versionString is the version this binary reports: -ldflags "-X
// main.version=…" when the build set it, else the module version and the
// VCS revision that `go build` records (runtime/debug.ReadBuildInfo), so a
// binary built from a checkout says which commit it is.
func versionString(info *debug.BuildInfo, ok bool) string {
	if version != "dev" || !ok {
		return version
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var rev, at string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return v
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	parts := []string{"commit " + rev}
	if at != "" {
		parts = append(parts, at)
	}
	if modified {
		parts = append(parts, "with uncommitted changes")
	}
	return fmt.Sprintf("%s (%s)", v, strings.Join(parts, ", "))
}

func buildVersion() string { return versionString(debug.ReadBuildInfo()) }
