import { useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { go, href } from '../router.js';
import { login } from '../session.js';

export function LoginScreen() {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [err, setErr] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="card login"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setErr(undefined);
        try {
          await login(user, password);
          go(href.overview());
        } catch (x) {
          const a = x as ApiError;
          setErr(a.status === 404 ? 'This gateway has no login: open the overview.' : a.status === 401 ? 'Wrong user name or password.' : a.message);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h1>Log in</h1>
      <label>
        User
        <input name="user" autocomplete="username" value={user} onInput={(e) => setUser((e.target as HTMLInputElement).value)} required />
      </label>
      <label>
        Password
        <input name="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} required />
      </label>
      {err ? (
        <p class="notice bad" role="alert">
          {err}
        </p>
      ) : null}
      <button type="submit" class="primary" disabled={busy}>
        Log in
      </button>
    </form>
  );
}
