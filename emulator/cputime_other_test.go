//go:build !linux

package emulator_test

import "time"

// threadCPU is unknown here: the scale rig's CPU times stay zero and its
// checks use wall time.
func threadCPU() time.Duration { return 0 }
