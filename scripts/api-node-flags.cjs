// Node flags for an API process: `npm run api`, the Docker image's API service and the timeline
// benchmark's API all start with these (docker-compose.yml and the Dockerfile spell them out).
//
// A larger young generation (--max-semi-space-size, in MB per semi-space). Every API request
// allocates its rows, its page text and node's HTTP objects, and with 50 requests in flight Node's
// default young generation filled about 40 times a second; each collection pauses every request in
// flight. Measured on the timeline route, 50 clients, 6 s: 240 collections with 860 ms of pauses at
// the default, 135 with 280 ms at 32 MB; p95 went from 20-25 ms to 14-16 ms and the API's CPU per
// request from 0.34-0.42 to 0.28-0.29 ms. Larger sizes gained nothing more. The cost is memory:
// up to about 100 MB more for the young generation. The worker keeps Node's defaults: its render
// threads would each take the larger size, and the bill run gained nothing measurable from it.
module.exports = { API_NODE_FLAGS: ['--max-semi-space-size=32'] };
