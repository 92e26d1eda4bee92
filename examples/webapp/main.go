// Command webapp is a small web mail client built on mailmanager: users
// sign in, an administrator enters each provider's OAuth client
// credentials, users connect Gmail and Outlook mailboxes, and read, search,
// write and organize their mail in one list.
//
// Run it without flags for the demo: fake Google and Microsoft sign-in
// pages and fake Gmail and Graph servers start in the process, on
// loopback, with seeded mailboxes, so the whole flow works in a browser
// without any credentials:
//
//	go run ./examples/webapp
//
// With -demo=false it talks to the real providers; see -help.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "webapp:", err)
		os.Exit(1)
	}
}

// run parses args, starts the application and serves until ctx ends, then
// shuts down gracefully. It prints the URL to open on stdout and logs to
// stderr.
func run(ctx context.Context, args []string, getenv func(string) string,
	stdout, stderr io.Writer) error {
	opts, err := parseOptions(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: opts.logLevel}))

	srv, err := start(ctx, opts, log)
	if err != nil {
		return err
	}
	if opts.demo {
		fmt.Fprintf(stdout, "mailmanager demo: open %s in a browser\n", srv.app.baseURL)
	} else {
		fmt.Fprintf(stdout, "mailmanager: serving %s at %s\n", srv.app.baseURL, srv.addr())
	}
	select {
	case <-ctx.Done():
	case err := <-srv.errc:
		srv.app.close()
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("shutting down")
	return srv.shutdown()
}
