package store

import "gorm.io/gorm"

// nextIDs reserves the row ids of n rows about to be inserted into table
// in transaction tx and returns the first (the others follow it), or ok
// false where the database must choose them (PostgreSQL: several writers,
// ids from a sequence; the insert returns them).
//
// On SQLite the transaction holds the only write lock from its BEGIN
// (_txlock=immediate) and the tables' ids are INTEGER PRIMARY KEY without
// AUTOINCREMENT, so SQLite would give the rows max(id)+1, +2, … itself:
// naming them spares the insert a RETURNING clause, and the run reading
// back and matching every new row by key (a fifth of a settle page's save).
func (s *Store) nextIDs(tx *gorm.DB, table string, n int) (first int64, ok bool, err error) {
	if s.dialect != SQLite || n == 0 {
		return 0, false, nil
	}
	var max int64
	if err := tx.Raw("SELECT COALESCE(MAX(id), 0) FROM " + table).Scan(&max).Error; err != nil {
		return 0, false, err
	}
	return max + 1, true, nil
}
