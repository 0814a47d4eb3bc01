import type { ReactNode } from "react";
import { BrowserRouter } from "react-router-dom";

/**
 * The app's router. Its state changes are not wrapped in `startTransition`: the filters
 * are inputs controlled by the URL, and a transition would let React put a clicked
 * checkbox (or a chosen option) back as it was until the deferred render lands, which on
 * a busy machine is long enough to see (and for a click to seem lost). The app has no
 * Suspense boundary, so transitions would bring nothing else.
 */
export function AppRouter({ children }: { children: ReactNode }) {
  return <BrowserRouter useTransitions={false}>{children}</BrowserRouter>;
}
