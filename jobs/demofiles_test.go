package jobs

import (
	_ "time/tzdata" // Asia/Seoul without system tzdata

	"os"
	"path/filepath"
	"testing"
	"time"
)

// demoFile reads one of the sample marketplace's files (demo/data) by
// path: jobs cannot import package demo, which imports jobs.
func demoFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "demo", "data", name))
	if err != nil {
		t.Fatalf("sample data: %v", err)
	}
	return b
}

// seoul is the business time zone of the tests.
func seoul(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
