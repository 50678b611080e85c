package store

import (
	"context"
	"fmt"
)

// SaveRulesFile keeps the rules file of a rules version (settlement.Rules
// Version and File). Keeping a version already kept is a no-op: the
// version is a hash of the file's content.
func (s *Store) SaveRulesFile(ctx context.Context, version string, file []byte) error {
	err := s.w(ctx).Exec("INSERT INTO rules_files (version, file, created_at) VALUES (?, ?, ?) ON CONFLICT (version) DO NOTHING",
		version, string(file), at(s.nowUTC())).Error
	if err != nil {
		return fmt.Errorf("keep the rules file of %q: %w", version, err)
	}
	return nil
}

// RulesFile returns the rules file kept for a rules version, or a
// *NotFoundError (ErrNotFound).
func (s *Store) RulesFile(ctx context.Context, version string) ([]byte, error) {
	var files []string
	if err := s.w(ctx).Raw("SELECT file FROM rules_files WHERE version = ?", version).Scan(&files).Error; err != nil {
		return nil, fmt.Errorf("read the rules file of %q: %w", version, err)
	}
	if len(files) == 0 {
		return nil, &NotFoundError{What: fmt.Sprintf("rules file %q", version)}
	}
	return []byte(files[0]), nil
}
