package store

import (
	"context"
	"database/sql"
	"fmt"
)

// ReportRules is one version of the merchant's rules (settlement.Rules
// Version) and how many of the settlements a Query selects it computed.
// Version is "" for settlements computed before rules were recorded
// (schema version 6), which PortOne's default formulas computed.
type ReportRules struct {
	Version     string
	Settlements int
}

// ReportRulesVersions lists the rules versions that computed the
// settlements q selects, by version: what the workbook's Contracts sheet
// shows as the formulas that applied.
func (s *Store) ReportRulesVersions(ctx context.Context, q Query) ([]ReportRules, error) {
	from, where, args, err := s.reportScope(ctx, q)
	if err != nil {
		return nil, err
	}
	query := `SELECT s.rules_version, COUNT(*) FROM ` + from + ` WHERE ` + where + `
	GROUP BY s.rules_version ORDER BY s.rules_version`
	var out []ReportRules
	err = s.stream(ctx, "report rules", query, args, func(rows *sql.Rows) error {
		var r ReportRules
		if err := rows.Scan(&r.Version, &r.Settlements); err != nil {
			return fmt.Errorf("report rules: %w", err)
		}
		out = append(out, r)
		return nil
	})
	return out, err
}
