package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
)

// startProfile writes a CPU profile of the whole command to the file
// SETTLE_CPUPROFILE names, if set: a developer's aid for the scale runs
// (cmd/scale passes its environment to every stage and to the emulator).
// A name ending in "/" is a directory: each process writes
// <command>-<job>-<pid>.prof there. The returned function stops and
// flushes the profile.
func startProfile(getenv func(string) string, args []string) (stop func(), err error) {
	path := getenv("SETTLE_CPUPROFILE")
	if path == "" {
		return func() {}, nil
	}
	if strings.HasSuffix(path, "/") {
		name := "settle"
		for _, a := range args[:min(2, len(args))] {
			if !strings.ContainsAny(a, "/.") && !strings.HasPrefix(a, "-") {
				name += "-" + a
			}
		}
		path = filepath.Join(path, fmt.Sprintf("%s-%d.prof", name, os.Getpid()))
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("SETTLE_CPUPROFILE: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("SETTLE_CPUPROFILE: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
