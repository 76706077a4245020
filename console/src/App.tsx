export function App() {
  return <main><h1>G-Pilot</h1></main>;
}
