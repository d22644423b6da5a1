import { useState } from 'react';

/** The web console's sign-in: the hub token (kept in session storage) and the name recorded on actions. */
export function Login({ onSubmit, error }: { onSubmit: (token: string, name: string) => void; error?: string | undefined }) {
  const [token, setToken] = useState('');
  const [name, setName] = useState(() => sessionStorage.getItem('earshot.actor') ?? '');
  return (
    <main className="login">
      <h1>Earshot</h1>
      <p>Sign in to this hub with its token. It stays in this tab only (session storage).</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim() && name.trim()) onSubmit(token.trim(), name.trim());
        }}
      >
        <label>
          Your name <span className="hint">(recorded when you acknowledge or resolve)</span>
          <input name="name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Hub token
          <input name="token" type="password" autoComplete="current-password" required value={token} onChange={(e) => setToken(e.target.value)} />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}
