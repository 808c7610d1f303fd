// API Gateway throttling of one API's stage: a limit for each route by default, and stricter ones on the routes
// named. A stage's route settings may only name routes that exist (API Gateway refuses the stage otherwise), and SST
// creates the stage with the API, before its routes: the route settings wait for the routes they name.
import type { Throttle } from "./config";

export interface ApiThrottle {
  default: Throttle;
  routes: Record<string, Throttle>;
}

const settings = ({ rate, burst }: Throttle) => ({ throttlingRateLimit: rate, throttlingBurstLimit: burst });

/** A route as SST's `route()` returns it (HTTP and WebSocket APIs alike). */
interface CreatedRoute {
  nodes: { route: $util.Output<aws.apigatewayv2.Route> };
}

export function stageThrottling(limits: ApiThrottle) {
  const [routeKeys, resolveRouteKeys] = $util.deferredOutput<string[]>();
  return {
    /** The API's `transform.stage`. */
    stage: (args: aws.apigatewayv2.StageArgs): undefined => {
      args.defaultRouteSettings = settings(limits.default);
      args.routeSettings = routeKeys.apply((created) =>
        Object.entries(limits.routes).map(([routeKey, limit]) => {
          if (!created.includes(routeKey)) throw new Error(`throttled route "${routeKey}" is not among the routes given: ${created.join(", ")}`);
          return { routeKey, ...settings(limit) };
        }),
      );
    },
    /**
     * The throttled routes, once created: the stage waits for them. Give no route whose function links this API (its
     * URL names the stage): that function would wait for the stage, and the stage for it.
     */
    routesCreated: (routes: CreatedRoute[]) => resolveRouteKeys($util.all(routes.map((r) => r.nodes.route.apply((route) => route.routeKey)))),
  };
}
