package main

import (
	"context"
	"errors"
)

var errNotYet = errors.New("not available in this build yet")

func runDemo(context.Context, *env) error     { return errNotYet }
func runServe(context.Context, *env) error    { return errNotYet }
func runJob(context.Context, *env) error      { return errNotYet }
func runBackfill(context.Context, *env) error { return errNotYet }
func runImport(context.Context, *env) error   { return errNotYet }
func runExport(context.Context, *env) error   { return errNotYet }
