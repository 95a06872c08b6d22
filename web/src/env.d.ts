// esbuild bundles the app's stylesheet (imported for its side effect) into app.css.
declare module "*.css";
