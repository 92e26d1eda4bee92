package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"
)

// options are the settings of one run, from flags and the environment.
type options struct {
	demo      bool
	addr      string
	baseURL   string
	corpus    string
	tenant    string
	syncEvery time.Duration
	logLevel  slog.Level
	// postgres is the URL of a PostgreSQL database to keep accounts,
	// tokens and settings in; empty keeps them in memory.
	postgres string
	// key seals OAuth state, tokens and client secrets, and signs sessions.
	key []byte
	// keyIsRandom reports a key made for this run only.
	keyIsRandom bool
	// interactive shows the fake consent pages in demo mode; tests turn it
	// off to let the fake consent at once.
	interactive bool
}

// parseOptions reads the command line and, for what flags leave unset, the
// environment.
func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	o := options{interactive: true}
	fs := flag.NewFlagSet("webapp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.demo, "demo", true,
		"run against fake providers on loopback, with seeded mailboxes and no credentials")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&o.baseURL, "base-url", getenv("MAILMANAGER_BASE_URL"),
		"public URL of this server, used in OAuth redirect URIs "+
			"(default $MAILMANAGER_BASE_URL, else http://<addr>)")
	fs.StringVar(&o.corpus, "corpus", filepath.Join("..", "shared", "corpus"),
		"demo only: directory of .eml files to seed the demo mailboxes from; "+
			"built-in messages when it does not exist")
	fs.StringVar(&o.tenant, "tenant", "common",
		"Microsoft Entra tenant Outlook users sign in through")
	fs.DurationVar(&o.syncEvery, "sync-every", 3*time.Minute, "interval of the background sync")
	fs.StringVar(&o.postgres, "postgres", getenv("MAILMANAGER_POSTGRES"),
		"PostgreSQL URL (postgres://...) to keep accounts, tokens and settings in, shared by "+
			"every instance of the app (default $MAILMANAGER_POSTGRES; empty keeps them in memory)")
	verbose := fs.Bool("v", false, "log debug messages")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: webapp [flags]\n\n"+
			"Without flags it runs the demo. With -demo=false it connects real Gmail and\n"+
			"Outlook mailboxes; set MAILMANAGER_KEY to 32 or more random bytes, base64,\n"+
			"so that tokens and settings stay readable across restarts.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *verbose {
		o.logLevel = slog.LevelDebug
	}
	if o.syncEvery < 10*time.Second {
		return o, errors.New("-sync-every must be at least 10s")
	}
	if abs, err := filepath.Abs(o.corpus); err == nil {
		o.corpus = abs
	}

	var err error
	o.key, o.keyIsRandom, err = loadKey(o.demo, getenv("MAILMANAGER_KEY"))
	return o, err
}

// loadKey decodes the key from the environment, or makes a random one in
// demo mode or when none is set.
func loadKey(demo bool, env string) ([]byte, bool, error) {
	env = strings.TrimSpace(env)
	if demo || env == "" {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, false, fmt.Errorf("make a key: %w", err)
		}
		return key, true, nil
	}
	key, err := base64.StdEncoding.DecodeString(env)
	if err != nil {
		key, err = base64.RawURLEncoding.DecodeString(env)
	}
	if err != nil {
		return nil, false, errors.New("MAILMANAGER_KEY is not base64")
	}
	if len(key) < 32 {
		return nil, false, fmt.Errorf("MAILMANAGER_KEY holds %d bytes, want at least 32", len(key))
	}
	return key, false, nil
}
