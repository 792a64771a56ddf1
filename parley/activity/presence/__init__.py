"""Who is online and who is viewing what.

- `visitors.identify(request)`: a member, a known robot, or a guest known by a keyed hash.
- `locations.location_for(request, response)`: where that request puts them.
- `middleware.PresenceMiddleware`: records the visit after the response has been sent.
- `backends`: the database (default; visits buffered per process and stored every second by the
  background flusher, `parley.core.flusher`) or Redis sorted sets; same interface, same tests.
- `queries`: what pages show, filtered through permissions; `blocks`: the thread and forum
  viewers and the forum index sidebar as finished data (page views read one and the template's
  `{% presence_block %}` prints it); `views`: the htmx fragments of those blocks and /online/.

Pages render their blocks with one presence read in the view (readable without JavaScript), then
poll the fragment. Every visit, polled or not, reaches every worker within two seconds."""
