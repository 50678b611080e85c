package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/settle-dev/settle/emulator"
)

func runEmulator(ctx context.Context, e *env) error {
	fs := newFlags(e, "emulator", "[--addr 127.0.0.1:9090] [--seed FILE]")
	addr := fs.String("addr", "127.0.0.1:9090", "listen address (loopback unless you mean otherwise)")
	seed := fs.String("seed", "", "JSON file of partners, contracts and policies to start with")
	if err := parseFlags(fs, e.args); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	var seedFile *os.File
	if *seed != "" {
		f, err := os.Open(*seed)
		if err != nil {
			return usagef("--seed: %v", err)
		}
		defer f.Close()
		seedFile = f
	}
	fmt.Fprintf(e.stderr, "settle emulator: PortOne platform API emulator on http://%s (Ctrl-C to stop)\n", *addr)
	if seedFile != nil {
		return emulator.Run(ctx, *addr, seedFile, logger)
	}
	return emulator.Run(ctx, *addr, nil, logger)
}
