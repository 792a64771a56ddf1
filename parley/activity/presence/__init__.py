"""Who is online and who is viewing what.

- `visitors.identify(request)`: a member, a known robot, or a guest known by a keyed hash.
- `locations.location_for(request, response)`: where that request puts them.
- `middleware.PresenceMiddleware`: records the visit after the response has been sent.
- `backends`: the database (default) or Redis sorted sets; same interface, same tests.
- `queries`: what pages show, filtered through permissions; `views`: the htmx fragments
  (thread and forum viewers, the forum index sidebar) and the /online/ page.

Pages carry only a placeholder that loads its fragment and then polls it, so no page pays for
presence in its own queries and guest HTML is the same for every guest."""
