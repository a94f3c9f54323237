// Vite's `?inline` CSS imports: the stylesheet's text, for Lit's adopted stylesheets.
declare module '*.css?inline' {
  const css: string;
  export default css;
}
