package store

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// TestBackupDuringWrites (issue #13.6): a backup taken while another
// connection (another process: `settle serve`) keeps committing is a
// consistent SQLite database that Open takes as it is, holding every run
// committed before the backup started; the writer is not held up.
func TestBackupDuringWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "settle.db")
	writer, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	reader, err := Open(ctx, db) // the backup's own handle, as `settle backup` opens it
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	var committed atomic.Int64
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		d := settlement.MustDate("2020-01-01")
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			run, _, err := writer.AcquireRun(ctx, "export", d.AddDays(i), "writer", time.Minute)
			if err == nil {
				err = writer.FinishRun(ctx, run, map[string]int64{"workbooks": 1}, nil)
			}
			if err != nil {
				done <- err
				return
			}
			committed.Add(1)
		}
	}()
	for committed.Load() < 50 {
		time.Sleep(time.Millisecond)
	}
	before := committed.Load()
	copyPath := filepath.Join(dir, "backup.db")
	if err := reader.Backup(ctx, copyPath); err != nil {
		t.Fatalf("Backup during writes: %v", err)
	}
	time.Sleep(20 * time.Millisecond)
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("the writer failed during the backup: %v", err)
	}
	if committed.Load() <= before {
		t.Errorf("the writer committed nothing while the backup ran (%d before, %d after)", before, committed.Load())
	}
	cp, err := Open(ctx, copyPath, WithoutMigrate())
	if err != nil {
		t.Fatalf("open the backup: %v", err)
	}
	defer cp.Close()
	var check string
	if err := cp.w(ctx).Raw("PRAGMA integrity_check").Scan(&check).Error; err != nil || check != "ok" {
		t.Errorf("integrity_check of the backup = %q %v", check, err)
	}
	runs, err := cp.Runs(ctx, RunQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(runs)) < before || int64(len(runs)) > committed.Load() {
		t.Errorf("the backup holds %d runs; %d were committed before it started, %d in all", len(runs), before, committed.Load())
	}
	if v, _ := cp.SchemaVersion(ctx); v == 0 {
		t.Error("the backup has no schema version")
	}
	if err := reader.Backup(ctx, copyPath); !errors.Is(err, ErrBackupExists) {
		t.Errorf("a backup onto an existing file: %v, want ErrBackupExists", err)
	}
}
