/** Placeholder shell; the incident list and detail come with the desktop-app work. */
export function App() {
  return (
    <main>
      <h1>Earshot</h1>
      <p>Connecting to the hub…</p>
    </main>
  );
}
