'use strict';
// The floor: a bare Express + http-proxy-middleware proxy to the same upstream, with a keep-alive
// agent, and nothing else.
const http = require('node:http');
const express = require('express');
const { createProxyMiddleware } = require('http-proxy-middleware');
const { serve } = require('./serve');

const upstream = process.argv[2];
const agent = new http.Agent({ keepAlive: true });
const app = express();
app.use('/v1', createProxyMiddleware({ target: `${upstream}/v1`, changeOrigin: true, agent }));
serve(app, async () => agent.destroy());
