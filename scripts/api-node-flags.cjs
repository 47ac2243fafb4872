// Node flags for an API process: `npm run api`, the Docker image's API service and the timeline
// benchmark's API all start with these (docker-compose.yml and the Dockerfile spell them out, and a
// unit test holds them to this list).
//
// A larger young generation (--max-semi-space-size, in MB per semi-space). Every API request
// allocates its rows, its page text and node's HTTP objects; with 50 requests in flight Node's
// default young generation fills about 27 times a second, and each collection pauses every request
// in flight. Timeline benchmark, 100,000 accounts, 10 s at 50 clients, Node's defaults against
// 32 MB: 272 against 159 pauses, 4.4 % against 3.1 % of the time paused, p95 21.3 against 18.2 ms.
// The cost is memory: up to about 100 MB more for the young generation. The worker keeps Node's
// defaults: its render threads would each take the larger size too (a 30,000-bill run peaked at
// 1,065 MiB instead of 832) for no measurable gain in bills per second.
module.exports = { API_NODE_FLAGS: ['--max-semi-space-size=32'] };
