import { runBurst } from '/work/main/scripts/bench/burst';
import { loadConfig } from '/work/main/shared/config/load';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const n = Number(process.argv[2] ?? 200);
const cfg = loadConfig('/work/main/fleetpilot.example.yml');
runBurst(cfg, '/work/main/fleetpilot.example.yml', n).then((r) => {
  console.log(JSON.stringify({ ...r }, null, 1));
});
