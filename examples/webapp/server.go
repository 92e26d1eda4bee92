package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/gmail"
	"github.com/mailmanager/mailmanager/memstore"
	"github.com/mailmanager/mailmanager/outlook"
	"github.com/mailmanager/mailmanager/sqlstore"
)

// maxUpload limits a request body: a message with its attachments.
const maxUpload = 25 << 20

// app is the web application: its handlers and what they share.
type app struct {
	opts     options
	log      *slog.Logger
	baseURL  string
	mgr      *mailmanager.Manager
	users    []user
	sessions *sessions
	index    *index
	syncer   *syncer
	pages    *pages
	demo     *demo           // nil outside demo mode
	pg       *sqlstore.Store // nil when accounts are kept in memory
}

// newApp builds the application for the public URL baseURL. In demo mode
// it starts the fake providers first. The caller closes it.
func newApp(ctx context.Context, opts options, baseURL string, log *slog.Logger) (*app, error) {
	a := &app{
		opts:     opts,
		log:      log,
		baseURL:  strings.TrimRight(baseURL, "/"),
		users:    defaultUsers(),
		sessions: newSessions(opts.key, strings.HasPrefix(baseURL, "https://")),
		index:    newIndex(),
	}
	pg, err := parsePages()
	if err != nil {
		return nil, err
	}
	a.pages = pg

	var providers []mailmanager.Provider
	if opts.demo {
		a.demo, err = startDemo(opts, log)
		if err != nil {
			return nil, err
		}
		providers = a.demo.providers()
	} else {
		if opts.keyIsRandom {
			log.Warn("MAILMANAGER_KEY is not set: using a random key, so tokens and " +
				"client secrets will not be readable after a restart")
		}
		providers = []mailmanager.Provider{
			gmail.New(gmail.Config{}),
			outlook.New(outlook.Config{Tenant: opts.tenant}),
		}
	}

	var store mailmanager.TokenStore = memstore.New()
	if opts.postgres != "" {
		if opts.demo {
			log.Warn("demo mode uses a new random key each run: accounts stored by an " +
				"earlier run will not open")
		}
		a.pg, err = sqlstore.Open(ctx, opts.postgres, sqlstore.Options{})
		if err != nil {
			a.close()
			return nil, fmt.Errorf("open the PostgreSQL store: %w", err)
		}
		store = a.pg
	}
	a.mgr, err = mailmanager.New(mailmanager.Config{
		Store:       store,
		Providers:   providers,
		Key:         opts.key,
		BaseURL:     a.baseURL,
		CurrentUser: a.currentUser,
		OnConnected: a.onConnected,
		OnError:     a.onOAuthError,
		Logger:      log,
		HTTPClient:  &http.Client{Timeout: 2 * time.Minute},
	})
	if err != nil {
		a.close()
		return nil, fmt.Errorf("configure mailmanager: %w", err)
	}
	a.syncer = newSyncer(a.mgr, a.index, log, opts.syncEvery)
	a.syncer.start()
	return a, nil
}

// close stops the background work and, in demo mode, the fake providers.
func (a *app) close() {
	if a.syncer != nil {
		a.syncer.stop()
	}
	if a.demo != nil {
		a.demo.close()
	}
	if a.pg != nil {
		a.pg.Close()
	}
}

// handler returns the application's routes.
func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.handleFront)
	mux.HandleFunc("POST /signin", a.handleSignIn)
	mux.HandleFunc("POST /signout", a.handleSignOut)
	mux.HandleFunc("GET /static/style.css", a.handleStyle)
	mux.HandleFunc("GET /favicon.ico", a.handleFavicon)

	mux.HandleFunc("GET /settings", a.signedIn(a.handleSettings))
	mux.HandleFunc("POST /settings/{provider}", a.signedIn(a.handleSaveSettings))

	mux.HandleFunc("GET /accounts", a.signedIn(a.handleAccounts))
	mux.HandleFunc("POST /accounts/{account}/disconnect", a.signedIn(a.handleDisconnect))
	mux.Handle("GET /oauth/connect/", a.mgr.ConnectHandler())
	mux.Handle("GET /oauth/callback/", a.mgr.CallbackHandler())

	mux.HandleFunc("GET /mail", a.signedIn(a.handleList))
	mux.HandleFunc("POST /sync", a.signedIn(a.handleRefresh))
	mux.HandleFunc("GET /mail/{account}/{id}", a.signedIn(a.handleMessage))
	mux.HandleFunc("GET /mail/{account}/{id}/attachments/{attachment}",
		a.signedIn(a.handleAttachment))
	mux.HandleFunc("GET /mail/{account}/{id}/cid/{cid...}", a.signedIn(a.handleInline))
	mux.HandleFunc("POST /mail/{account}/{id}/{action}", a.signedIn(a.handleAction))

	mux.HandleFunc("GET /compose", a.signedIn(a.handleCompose))
	mux.HandleFunc("POST /compose", a.signedIn(a.handleSend))

	return securityHeaders(a.withSession(mux))
}

// securityHeaders sets the headers every answer carries. Pages send a
// Content-Security-Policy without script-src: no script runs, ours or a
// message's.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", pageCSP(false))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// pageCSP is the Content-Security-Policy of a page; remoteImages lets a
// message's remote images load after the user asked for them.
func pageCSP(remoteImages bool) string {
	img := "img-src 'self' data:"
	if remoteImages {
		img += " https: http:"
	}
	return "default-src 'none'; " + img + "; style-src 'self' 'unsafe-inline'; " +
		"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
}

// server is the running HTTP server of an app.
type server struct {
	app  *app
	http *http.Server
	ln   net.Listener
	errc chan error
}

// start listens on opts.addr and serves the application.
func start(ctx context.Context, opts options, log *slog.Logger) (*server, error) {
	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	base := opts.baseURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	a, err := newApp(ctx, opts, base, log)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s := &server{
		app: a,
		ln:  ln,
		http: &http.Server{
			Handler:           a.handler(),
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		errc: make(chan error, 1),
	}
	go func() { s.errc <- s.http.Serve(ln) }()
	return s, nil
}

// addr is the address the server listens on.
func (s *server) addr() string { return s.ln.Addr().String() }

// shutdown stops accepting requests, lets those in flight finish for up
// to ten seconds, then stops the syncs and the demo's fakes.
func (s *server) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	s.app.close()
	if serveErr := <-s.errc; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}
