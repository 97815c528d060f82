package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Roles of review app accounts, from least to most trusted.
const (
	RoleReader  = "reader"  // dashboards only
	RoleAnalyst = "analyst" // the review queue too
	RoleAdmin   = "admin"   // accounts too
)

// ErrNoUser is returned for an unknown or disabled account, and for a
// session that does not exist or has expired.
var ErrNoUser = errors.New("no such user or session")

// User is a review app account.
type User struct {
	Name         string
	PasswordHash string
	Role         string
	CreatedAt    time.Time
	Disabled     bool
}

// Session is a signed-in user's session.
type Session struct {
	User      User
	CSRFToken string
	ExpiresAt time.Time
}

// SaveUser creates an account or replaces its password hash, role and
// disabled flag, and ends the account's sessions but the one with
// keepToken (empty: all of them): a password set by an administrator signs
// out whoever knew the old one.
func (s *Store) SaveUser(ctx context.Context, u User, keepToken string) error {
	keep := sha256.Sum256([]byte(keepToken))
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `insert into users (name, password_hash, role, disabled) values ($1, $2, $3, $4)
			on conflict (name) do update set password_hash = excluded.password_hash, role = excluded.role,
			disabled = excluded.disabled`, u.Name, u.PasswordHash, u.Role, u.Disabled); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, endSessions, u.Name, keep[:])
		return err
	})
	if err != nil {
		return fmt.Errorf("saving user %s: %w", u.Name, err)
	}
	return nil
}

// UserByName returns an enabled account.
func (s *Store) UserByName(ctx context.Context, name string) (User, error) {
	var u User
	err := s.pool.QueryRow(ctx, `select name, password_hash, role, created_at, disabled from users
		where name = $1 and not disabled`, name).Scan(&u.Name, &u.PasswordHash, &u.Role, &u.CreatedAt, &u.Disabled)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, ErrNoUser
	}
	if err != nil {
		return u, fmt.Errorf("reading user %s: %w", name, err)
	}
	return u, nil
}

// Users lists every account by name.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.pool.Query(ctx, `select name, '', role, created_at, disabled from users order by name`)
	if err != nil {
		return nil, fmt.Errorf("listing users: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[User])
}

// CreateSession records a session for user, found later by token.
func (s *Store) CreateSession(ctx context.Context, token, user, csrf string, ttl time.Duration) error {
	h := sha256.Sum256([]byte(token))
	if _, err := s.pool.Exec(ctx, `insert into sessions (token_hash, user_name, csrf_token, expires_at)
		values ($1, $2, $3, now() + $4::interval)`, h[:], user, csrf, ttl); err != nil {
		return fmt.Errorf("creating session: %w", err)
	}
	// Expired sessions are swept as new ones are made.
	if _, err := s.pool.Exec(ctx, `delete from sessions where expires_at < now()`); err != nil {
		return fmt.Errorf("sweeping sessions: %w", err)
	}
	return nil
}

// SessionByToken returns the live session with token, with its user.
func (s *Store) SessionByToken(ctx context.Context, token string) (Session, error) {
	h := sha256.Sum256([]byte(token))
	var se Session
	err := s.pool.QueryRow(ctx, `select u.name, u.role, u.created_at, s.csrf_token, s.expires_at
		from sessions s join users u on u.name = s.user_name
		where s.token_hash = $1 and s.expires_at > now() and not u.disabled`, h[:]).
		Scan(&se.User.Name, &se.User.Role, &se.User.CreatedAt, &se.CSRFToken, &se.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return se, ErrNoUser
	}
	if err != nil {
		return se, fmt.Errorf("reading session: %w", err)
	}
	return se, nil
}

// DeleteSession ends the session with token.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	h := sha256.Sum256([]byte(token))
	if _, err := s.pool.Exec(ctx, `delete from sessions where token_hash = $1`, h[:]); err != nil {
		return fmt.Errorf("ending session: %w", err)
	}
	return nil
}

// endSessions deletes an account's sessions but one ($2: its token hash).
const endSessions = `delete from sessions where user_name = $1 and token_hash <> $2`

// SetPassword replaces name's password hash and ends every session of the
// account but the one with keepToken (the one making the change), so that
// whoever knew the old password is signed out. Both happen at once.
func (s *Store) SetPassword(ctx context.Context, name, hash, keepToken string) error {
	keep := sha256.Sum256([]byte(keepToken))
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `update users set password_hash = $2 where name = $1 and not disabled`, name, hash)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNoUser
		}
		_, err = tx.Exec(ctx, endSessions, name, keep[:])
		return err
	})
	if err != nil {
		return fmt.Errorf("setting the password of %s: %w", name, err)
	}
	return nil
}
