package httpapi

import (
	"cmp"
	"slices"

	"github.com/settle-dev/settle/jobs"
	"github.com/settle-dev/settle/store"
)

// sortRuns orders runs newest business date first and, within a date, in
// the pipeline's order (refresh, settle, post, sync, reconcile, export),
// the way a person reads a night; the store orders jobs by name.
func sortRuns(runs []store.Run) {
	slices.SortStableFunc(runs, func(a, b store.Run) int {
		if c := b.BusinessDate.Compare(a.BusinessDate); c != 0 {
			return c
		}
		return cmp.Compare(jobRank(a.Job), jobRank(b.Job))
	})
}

// jobRank is a job's place in the nightly pipeline; other names go last.
func jobRank(job string) int {
	if i := slices.Index(jobs.NightlyJobs, jobs.Job(job)); i >= 0 {
		return i
	}
	return len(jobs.NightlyJobs)
}
