/**
 * The control panel's icons as SVG strings, embedded by a static import so
 * that a compiled binary needs no files on disk. Served under `/assets/`.
 *
 * @module
 */

/** The LabOS logo: a conical flask. Used as the favicon and in the header. */
export const LOGO_SVG: string =
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" role="img" aria-label="LabOS">
<rect width="32" height="32" rx="7" fill="#1d5fa8"/>
<path d="M12.5 6h7M13.5 6v7.2L8.2 23.4A2 2 0 0 0 10 26.3h12a2 2 0 0 0 1.8-2.9L18.5 13.2V6" fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>
<path d="M10.6 21h10.8l1.5 2.9a.6.6 0 0 1-.5.9H9.6a.6.6 0 0 1-.5-.9z" fill="#8fd0ff"/>
</svg>
`;
