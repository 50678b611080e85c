package store

import (
	"context"
	"testing"
)

// TestMigrationLandedLate: a database migrated by a build that had every
// migration but 11 (branches land in any order: main had 13 before 11
// arrived) gets 11 when it is opened by a build that has it.
func TestMigrationLandedLate(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, c *clock, db testDB) {
		ctx := context.Background()
		for _, table := range []string{"voided_records", "adjustments"} {
			if err := s.db.Exec("DROP TABLE " + table).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := s.db.Exec("DELETE FROM schema_migrations WHERE version = 11").Error; err != nil {
			t.Fatal(err)
		}
		s.Close()
		s2 := openT(t, db.dsn)
		if _, err := s2.VoidedRecords(ctx, ""); err != nil {
			t.Fatalf("voided_records after reopening: %v", err)
		}
		if n := count(t, s2, "schema_migrations"); n != int64(len(migrations)) {
			t.Errorf("schema_migrations rows = %d, want %d", n, len(migrations))
		}
	})
}
