/** A small Markdown document for knowledge tests: headings, facts to ask about ("twelve crowns"). */
export const HANDBOOK = `# Lighthouse Handbook

## Opening hours
The Harrow Point lighthouse museum opens at nine in the morning and closes at five in the afternoon, every day except Mondays.

## Tickets
An adult ticket costs twelve crowns; children under ten enter free. Group bookings need a week's notice.

## The lamp
The original Fresnel lens was installed in 1871 and still turns on a bath of mercury.
`;
