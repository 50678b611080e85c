package storetest_test

import (
	"context"
	"os"
	"testing"

	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func TestDatabases(t *testing.T) {
	dbs := storetest.Databases(t)
	if len(dbs) == 0 || dbs[0].Name != "sqlite" {
		t.Fatalf("Databases = %v, want sqlite first", dbs)
	}
	if _, err := storetest.FindBinaries(); err == nil && len(dbs) != 2 {
		t.Fatalf("Databases = %v, want postgres too when the binaries exist", dbs)
	}
	for _, db := range dbs {
		t.Run(db.Name, func(t *testing.T) {
			s, err := store.Open(context.Background(), db.DSN)
			if err != nil {
				t.Fatalf("store.Open(%s): %v", db.DSN, err)
			}
			defer s.Close()
			if v, err := s.SchemaVersion(context.Background()); err != nil || v != store.LatestVersion() {
				t.Errorf("SchemaVersion = %d, %v", v, err)
			}
		})
	}
	// Two databases of one test are distinct.
	a, b := storetest.PostgresDSN(t), storetest.PostgresDSN(t)
	if a == b {
		t.Errorf("PostgresDSN returned %q twice", a)
	}
}

// TestOwnServer starts and stops a server of its own (as jobs tests that do
// not use Main would get).
func TestOwnServer(t *testing.T) {
	srv, err := storetest.StartPostgres()
	if err != nil {
		if os.Getenv(storetest.RequireEnv) != "1" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	dsn, err := srv.CreateDatabase("own")
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(context.Background(), dsn); err == nil {
		t.Errorf("store.Open after Stop succeeded; want the server gone")
	}
}
