// The cheapest plugin there is: a synchronous request step that lets every request go on. The
// gatewayd+plugin-noop target measures what the plugin machinery itself costs a route.
export default {
  name: 'noop',
  create() {
    return { request() {} };
  },
};
