package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"strings"
)

// startProfile writes a CPU profile of the whole command to the file
// SETTLE_CPUPROFILE names, if set: a developer's aid for the scale runs
// (cmd/scale passes its environment to every stage and to the emulator).
// A name ending in "/" is a directory: each process writes
// <command>-<job>-<pid>.prof there. The returned function stops and
// flushes the profile.
//
// SETTLE_TRACE does the same for an execution trace (`go tool trace`,
// e.g. -pprof=sync to see where a stage's goroutines wait), named
// <command>-<job>-<pid>.trace in a directory.
func startProfile(getenv func(string) string, args []string) (stop func(), err error) {
	stopCPU, err := startOne(getenv, args, "SETTLE_CPUPROFILE", ".prof", pprof.StartCPUProfile, pprof.StopCPUProfile)
	if err != nil {
		return nil, err
	}
	stopTrace, err := startOne(getenv, args, "SETTLE_TRACE", ".trace", trace.Start, trace.Stop)
	if err != nil {
		stopCPU()
		return nil, err
	}
	return func() { stopTrace(); stopCPU() }, nil
}

// startOne starts one of startProfile's recordings into the file the
// variable env names, if set.
func startOne(getenv func(string) string, args []string, env, ext string, start func(io.Writer) error, stop func()) (func(), error) {
	path := getenv(env)
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
		path = filepath.Join(path, fmt.Sprintf("%s-%d%s", name, os.Getpid(), ext))
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", env, err)
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", env, err)
	}
	return func() {
		stop()
		f.Close()
	}, nil
}
