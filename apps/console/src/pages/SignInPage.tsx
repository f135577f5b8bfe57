import { useState, type FormEvent } from 'react';
import { Brand } from '../components/brand';
import { TextField } from '../components/fields';
import { Button, ErrorAlert } from '../components/ui';
import { bearer, signIn } from '../lib/session';

/** Checks the key with `me` over HTTP before keeping it, so a bad key never reaches graphql-ws. */
export function SignInPage() {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(key.trim()) },
        body: JSON.stringify({ query: '{ me { id } }' }),
      });
      const body = (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
      if (body.errors?.length) {
        const [first] = body.errors;
        setError(`${first.extensions?.code ?? 'ERROR'}: ${first.message}`);
      } else signIn(key.trim());
    } catch (e) {
      setError(`NETWORK_ERROR: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="flex min-h-screen items-center justify-center bg-gradient-to-br from-slate-900 via-slate-800 to-indigo-950 px-4">
      <div className="w-full max-w-sm">
        <Brand subtitle="Operations and finance console" large />
        <form aria-label="Sign in" onSubmit={submit} className="space-y-4 rounded-xl bg-white p-6 shadow-xl">
          <h1 className="text-base font-semibold text-slate-900">Sign in with an API key</h1>
          <TextField
            label="API key"
            hint="Kept in this tab only; closing it or signing out forgets it."
            type="password"
            autoComplete="off"
            required
            value={key}
            onChange={setKey}
          />
          {error && <ErrorAlert error={error} />}
          <Button type="submit" disabled={busy || !key.trim()} className="w-full">
            Sign in
          </Button>
        </form>
      </div>
    </div>
  );
}
